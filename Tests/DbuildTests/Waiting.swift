import Foundation

/// Waiting for a condition instead of for a fixed time (the suite runs beside others on two cores:
/// a fixed sleep is either too short there or wasted here).
enum Waiting {
    /// Polls `ready` every 0.1 s for up to `seconds`; returns whether it came true.
    @discardableResult
    static func until(_ seconds: Double, _ ready: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while !ready() {
            if Date() >= deadline { return false }
            usleep(100_000)
        }
        return true
    }

    /// A killed child of this test process has died (gone, or a zombie not yet reaped).
    static func isDead(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return true }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return true }
        return stat[stat.index(after: close)...].hasPrefix(" Z")
    }

    /// Until the wall clock's second has changed: names made per second (submission folders) then sort by time.
    static func untilTheNextSecond() {
        let now = Int(Date().timeIntervalSince1970)
        until(2) { Int(Date().timeIntervalSince1970) > now }
    }

    /// Until none of the scenario's SLURM jobs (by their dbuild comments) is in the queue.
    @discardableResult
    static func untilOffTheQueue(_ s: Scenario, seconds: Double = 120) -> Bool {
        until(seconds) {
            let queue = (try? runTool("/bin/sh", ["-c", "squeue -h -o '%k'"]).output) ?? ""
            return !SlurmScenarioTests.submissions(s).contains { queue.contains("dbuild:\($0):") }
        }
    }

    /// Until `dbuild status` has ingested every result (nothing of the project is out on SLURM).
    @discardableResult
    static func untilSettled(_ s: Scenario, seconds: Double = 60) -> Bool {
        until(seconds) { (try? s.dbuild("status").stdout.contains("On SLURM:")) == false }
    }
}

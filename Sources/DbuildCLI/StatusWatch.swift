import Foundation
import Workspace

/// `dbuild status --watch`: the status again every interval until Ctrl-C — on a terminal redrawn in
/// place (cursor home, clear), elsewhere as blocks under a timestamp line (logs, `watch`-less pipes).
/// Each look asks the scheduler at most once, as `status` does. Once nothing runs or waits (no
/// build here, nothing on SLURM, no on-finish command pending) it ends, unless `keepsWatching`.
struct StatusWatch {
    let interval: Double
    let json: Bool
    var keepsWatching = false
    let look: () throws -> (report: StatusReport, text: String)

    static func isSettled(_ report: StatusReport) -> Bool {
        report.build == nil && report.slurm == nil && report.running.isEmpty && !report.onFinish.contains { $0.state == "waiting" }
    }

    func run() throws {
        let terminal = isatty(1) != 0 && !json
        // Ctrl-C ends it: only async-signal-safe calls here (exit() could deadlock on a lock held mid-write).
        signal(SIGINT) { _ in
            if isatty(1) != 0 { _ = write(1, "\u{1B}[?25h\n", 7) }        // the cursor back
            _exit(0)
        }
        // Started from a program that blocks or ignores SIGINT for its children, Ctrl-C would not arrive.
        var interrupt = sigset_t()
        sigemptyset(&interrupt)
        sigaddset(&interrupt, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &interrupt, nil)
        if terminal { FileHandle.standardOutput.write(Data("\u{1B}[?25l".utf8)) }   // no blinking cursor while redrawn
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        while true {
            let (report, text) = try look()
            let stamp = formatter.string(from: Date())
            let shown: String
            if json {
                shown = report.json() + "\n"
            } else if terminal {
                shown = "\u{1B}[H\u{1B}[2J" + "dbuild status — \(stamp), every \(Int(interval)) s (Ctrl-C ends)\n\n" + text
            } else {
                shown = "--- dbuild status \(stamp)\n" + text
            }
            FileHandle.standardOutput.write(Data(shown.utf8))
            if !keepsWatching && Self.isSettled(report) {
                if !json { FileHandle.standardOutput.write(Data("\nNothing is running or queued: the watch ends (--keep-watching watches on).\n".utf8)) }
                if terminal { FileHandle.standardOutput.write(Data("\u{1B}[?25h".utf8)) }
                return
            }
            Thread.sleep(forTimeInterval: interval)
        }
    }
}

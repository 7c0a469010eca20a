import Foundation
import Testing

/// Issue 17 on the real local SLURM: three `status --watch 2` of one project share the scheduler's
/// answer — at most one squeue per interval between them, as `--wait` asks — and each still sees the
/// running task.
@Suite struct SlurmWatchersTests {
    init() throws {
        try #require(try runTool("/bin/sh", ["-c", "sinfo -h -o %T"]).status == 0,
                     "SLURM is not running: start it with scripts/slurm-local.sh start")
    }

    @Test func threeWatchersShareOneSqueuePerInterval() throws {
        let s = try Scenario("empty")
        try s.write("Datafile", """
            import Rules
            Rule("W") { s in
                s.outputs = ["w.txt"]
                s.recipe = "[ -e quick ] || sleep 40; echo w > {output}"
            }
            """)
        // One quick run recorded here first: the ETA counts on the rule's recorded run time.
        try s.write("quick", "")
        #expect(try s.dbuild("all").status == 0)
        try s.remove("quick")
        try s.remove("w.txt")
        #expect(try s.dbuild("all", "--backend", "slurm").status == 0)
        let job = try SlurmInodeBudgetTests.jobOf("W", in: s)
        defer { _ = try? runTool("/bin/sh", ["-c", "scancel \(job)"]) }
        try #require(SlurmInodeBudgetTests.wait(60) {
            (try? runTool("/bin/sh", ["-c", "squeue -h -j \(job) -o %T"]).output.contains("RUNNING")) == true
        }, "the task runs")

        // squeue counted through a wrapper first on PATH.
        let wrappers = s.path + "/wrappers"
        try FileManager.default.createDirectory(atPath: wrappers, withIntermediateDirectories: true)
        let real = try runTool("/bin/sh", ["-c", "command -v squeue"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        try s.write("wrappers/squeue", "#!/bin/sh\necho call >> \(s.path)/squeue-calls\nexec \(real) \"$@\"\n")
        chmod(wrappers + "/squeue", 0o755)
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = wrappers + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        var watchers: [(Process, Pipe)] = []
        let started = Date()
        for _ in 0..<3 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Scenario.executable)
            process.arguments = ["status", "--watch", "2", "--keep-watching"]
            process.currentDirectoryURL = URL(fileURLWithPath: s.path)
            process.environment = environment
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            watchers.append((process, pipe))
        }
        usleep(9_000_000)                                   // the window in which squeue calls are counted
        for (process, _) in watchers { process.interrupt() }
        let seconds = Date().timeIntervalSince(started)
        var looks = 0
        for (process, pipe) in watchers {
            let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            let blocks = text.components(separatedBy: "--- dbuild status ").dropFirst()
            looks += blocks.count
            #expect(blocks.count >= 3, "each watcher looked every 2 s: \(text.prefix(300))")
            #expect(blocks.last?.contains("On SLURM: 1 running, 0 queued; ETA ") == true, "\(blocks.last ?? "")")
            #expect(blocks.last?.contains("\nW ") == true && blocks.last?.split(separator: "\n").first { $0.hasPrefix("W ") }?
                        .split(separator: " ").map(String.init).prefix(5) == ["W", "1", "0", "0", "1"], "the task is running: \(text.suffix(600))")
        }
        let calls = (s.read("squeue-calls") ?? "").split(separator: "\n").count
        // One per 2-second interval between the three (plus one at the edges), not one per look.
        #expect(calls <= Int(seconds / 2) + 2 && calls < looks, "\(calls) squeue calls for \(looks) looks in \(Int(seconds)) s")
        print("watchers — 3 status --watch 2 for \(Int(seconds)) s: \(looks) looks, \(calls) squeue calls")
    }
}

import Foundation
import Testing

/// Issue 24 on the real local SLURM: a user follows a submission with `--wait` and watches it from
/// other terminals (`status` over and over, `status --watch`, `report --watch`, and a finish job).
/// The state has one writer: the watchers never record what the waiting build is to record, so it
/// learns of every step and returns (it hung before, with "201 not started").
@Suite struct SlurmWaitBesideWatchersTests {
    init() throws {
        try #require(try runTool("/bin/sh", ["-c", "sinfo -h -o %T"]).status == 0,
                     "SLURM is not running: start it with scripts/slurm-local.sh start")
    }

    /// 20 realizations × 3 steps of `sleep 0.3`, three steps per array task, and one step over all.
    static func campaign(_ s: Scenario) throws {
        try s.write("Datafile", """
            import Rules
            let reals = (0..<20).map { "r\\($0)" }
            Rule("A", over: ["real": reals]) { s in
                s.outputs = ["a/\\(s.real).txt"]
                s.recipe = "sleep 0.3 && echo {real} > {output}"
            }
            .slurm(stepsPerTask: 3)
            Rule("B", over: ["real": reals]) { s in
                s.inputs = s.outputs(of: "A/\\(s.real)")
                s.outputs = ["b/\\(s.real).txt"]
                s.recipe = "sleep 0.3 && cat {input} > {output}"
            }
            .slurm(stepsPerTask: 3)
            Rule("C", over: ["real": reals]) { s in
                s.inputs = s.outputs(of: "B/\\(s.real)")
                s.outputs = ["c/\\(s.real).txt"]
                s.recipe = "sleep 0.3 && cat {input} > {output}"
            }
            .slurm(stepsPerTask: 3)
            Rule("total") { s in
                s.inputs = reals.flatMap { s.outputs(of: "C/\\($0)") }
                s.outputs = ["all.txt"]
                s.recipe = "cat {inputs} > {output}"
            }
            """)
    }

    /// A dbuild running in the background, its output in files of the scenario.
    final class Background {
        let process = Process()
        let name: String
        let s: Scenario

        init(_ s: Scenario, _ name: String, _ arguments: [String]) throws {
            self.s = s
            self.name = name
            process.executableURL = URL(fileURLWithPath: Scenario.executable)
            process.arguments = arguments
            process.currentDirectoryURL = URL(fileURLWithPath: s.path)
            _ = FileManager.default.createFile(atPath: s.path + "/\(name).out", contents: nil)
            process.standardOutput = FileHandle(forWritingAtPath: s.path + "/\(name).out")
            process.standardError = process.standardOutput
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }

        var output: String { s.read("\(name).out") ?? "" }

        /// Waits for it to end by itself, or stops it (SIGINT, then SIGKILL) after `seconds`: false then.
        func finishes(within seconds: Double) -> Bool {
            let ended = SlurmInodeBudgetTests.wait(seconds) { !process.isRunning }
            if !ended {
                process.interrupt()
                if !SlurmInodeBudgetTests.wait(10, until: { !process.isRunning }) { kill(process.processIdentifier, SIGKILL) }
            }
            process.waitUntilExit()
            return ended
        }

        func stop() {
            if process.isRunning { process.interrupt() }
            process.waitUntilExit()
        }
    }

    @Test func waitingBuildReturnsWhileStatusAndWatchersLookEveryFewSeconds() throws {
        let s = try Scenario("empty")
        try Self.campaign(s)
        let build = try Background(s, "build", ["all", "--backend", "slurm", "--wait", "--poll-interval", "1"])
        try #require(SlurmInodeBudgetTests.wait(60) { !SlurmScenarioTests.submissions(s).isEmpty || !build.process.isRunning }, "submitted: \(build.output)")
        let statusWatch = try Background(s, "status-watch", ["status", "--watch", "2"])
        let reportWatch = try Background(s, "report-watch", ["report", "--watch", "2"])
        defer { statusWatch.stop(); reportWatch.stop() }
        var looks: [String] = []
        while build.process.isRunning && looks.count < 200 {
            looks.append(try s.dbuild("status").stdout)
            usleep(700_000)                                   // a user's next look
        }
        let finished = build.finishes(within: 240)
        #expect(finished, "the waiting build returned: \(build.output.suffix(800))")
        #expect(build.process.terminationStatus == 0, "\(build.output.suffix(800))")
        #expect(build.output.contains("dbuild: submission finished: every step done"), "\(build.output.suffix(800))")
        #expect(!build.output.contains("not started"), "\(build.output.suffix(800))")
        #expect(looks.count >= 3, "status looked while the build waited: \(looks.count) looks")
        for i in 0..<20 { #expect(s.read("c/r\(i).txt") == "r\(i)\n") }
        #expect(s.exists("all.txt"))
        #expect(try s.dbuild("all", "-n").stdout.contains("Nothing to do"), "every step was recorded")
        #expect(try s.dbuild("verify").status == 0)
        statusWatch.stop()
        reportWatch.stop()
        #expect(statusWatch.output.components(separatedBy: "--- dbuild status ").count > 2, "\(statusWatch.output.prefix(400))")
        #expect(s.read("logs/report.html")?.contains("<html") == true)
        print("wait beside watchers — \(looks.count) status calls while a 61-step --wait build ran")
    }

    @Test func finishJobAndAWaitingBuildFollowOneSubmissionWhileStatusLooks() throws {
        let s = try Scenario("empty")
        try Self.campaign(s)
        let submit = try s.dbuild("all", "--backend", "slurm", "--on-finish", "cat > finish.json")
        try #require(submit.status == 0, "\(submit.stdout)\(submit.stderr)")
        #expect(submit.stdout.contains("on finish: job"), "\(submit.stdout)")
        let follow = try Background(s, "follow", ["all", "--backend", "slurm", "--wait", "--poll-interval", "1"])
        var looks = 0
        while follow.process.isRunning && looks < 200 {
            _ = try s.dbuild("status")
            looks += 1
            usleep(700_000)                                   // a user's next look
        }
        #expect(follow.finishes(within: 240), "the following build returned: \(follow.output.suffix(800))")
        #expect(follow.process.terminationStatus == 0, "\(follow.output.suffix(800))")
        #expect(follow.output.contains("nothing new to submit; following 61 steps"), "\(follow.output.suffix(800))")
        #expect(follow.output.contains("every step done"), "\(follow.output.suffix(800))")
        // The finish job ran once every array had ended: after the follower recorded them, or itself.
        try #require(SlurmInodeBudgetTests.wait(120) { s.exists("finish.json") }, "the finish job ran")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data((s.read("finish.json") ?? "").utf8)) as? [String: Any])
        #expect(summary["outcome"] as? String == "succeeded", "\(summary)")
        #expect(summary["succeeded"] as? Int == 61, "\(summary)")
        #expect(try s.dbuild("all", "-n").stdout.contains("Nothing to do"))
        #expect(try s.dbuild("verify").status == 0)
    }
}

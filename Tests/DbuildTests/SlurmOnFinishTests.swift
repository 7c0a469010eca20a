import Foundation
import Testing

/// Issue 17 on the real local SLURM: the on-finish command of a submission nobody waits for runs from
/// a small job after the last array has ended, with the summary on its standard input; a failing
/// submission's summary names the failed and the blocked steps, and a failing command is reported.
@Suite(.serialized) struct SlurmOnFinishTests {
    init() throws {
        try #require(try runTool("/bin/sh", ["-c", "sinfo -h -o %T"]).status == 0,
                     "SLURM is not running: start it with scripts/slurm-local.sh start")
    }

    static func datafile(failing: Int?, onFinish: String?) -> String {
        """
        import Rules
        Rule("A", over: ["i": 0..<4]) { s in
            s.outputs = ["a/\\(s.i).txt"]
            s.recipe = "sleep 2; \(failing.map { "[ {i} = \($0) ] && exit 1; " } ?? "")echo {i} > {output}"
        }
        Rule("B", over: ["i": 0..<4]) { s in
            s.inputs = ["a/\\(s.i).txt"]
            s.outputs = ["b/\\(s.i).txt"]
            s.recipe = "sleep 1; cat {input} > {output}"
        }
        defaultBackend(.slurm)
        \(onFinish.map { "onFinish(\"\($0)\")" } ?? "")
        """
    }

    static func summary(_ s: Scenario, _ file: String) throws -> [String: Any] {
        try WatchingTests.object(try #require(s.read(file)))
    }

    /// Nobody waits: `dbuild all --on-finish …` submits and exits; the summary appears once the last
    /// task has written its product, every step counted as succeeded.
    @Test func theCommandRunsAfterTheLastTaskWithNoDbuildWaiting() throws {
        let s = try Scenario("empty")
        try s.write("Datafile", Self.datafile(failing: nil, onFinish: nil))
        let submit = try s.dbuild("all", "--on-finish", "cat > finished.json; echo $DBUILD_OUTCOME $DBUILD_SUCCEEDED > finished.env")
        #expect(submit.status == 0, "\(submit.stdout)\(submit.stderr)")
        #expect(submit.stdout.contains("on finish: job "), "\(submit.stdout)")
        // The dbuild that submitted has exited; none is started until the command has run.
        #expect(SlurmInodeBudgetTests.wait(120) { s.exists("finished.env") }, "the on-finish command ran")
        let summary = try Self.summary(s, "finished.json")
        #expect(summary["schema"] as? String == "dbuild.finish/1")
        #expect(summary["outcome"] as? String == "succeeded" && summary["steps"] as? Int == 8 && summary["succeeded"] as? Int == 8,
                "\(summary)")
        #expect(s.read("finished.env") == "succeeded 8\n")
        let finished = try FileManager.default.attributesOfItem(atPath: s.path + "/finished.json")[.modificationDate] as? Date ?? .distantPast
        for i in 0..<4 {
            let made = try FileManager.default.attributesOfItem(atPath: s.path + "/b/\(i).txt")[.modificationDate] as? Date ?? .distantFuture
            #expect(made <= finished, "b/\(i).txt was made before the command ran")
        }
        let status = try s.dbuild("status", "--json")
        let hooks = try WatchingTests.object(status.stdout)["onFinish"] as? [[String: Any]] ?? []
        #expect(hooks.count == 1 && hooks.first?["state"] as? String == "succeeded", "\(status.stdout)")
    }

    /// A/2 fails, so B/2 is blocked; the Datafile's command (which fails itself) is told so, and
    /// `status` reports that the command failed. Nothing else changes: the products that were made stay.
    @Test func aFailingSubmissionReportsFailedAndBlockedSteps() throws {
        let s = try Scenario("empty")
        try s.write("Datafile", Self.datafile(failing: 2, onFinish: "cat > finished.json; exit 4"))
        let submit = try s.dbuild("all")
        #expect(submit.status == 0, "\(submit.stdout)\(submit.stderr)")
        let submission = try #require(SlurmScenarioTests.submissions(s).first)
        let result = ".dbuild/slurm/\(submission)/on-finish.result.json"
        #expect(SlurmInodeBudgetTests.wait(120) { s.exists(result) }, "the on-finish command ran")
        let summary = try Self.summary(s, "finished.json")
        #expect(summary["outcome"] as? String == "failed", "\(summary)")
        #expect(summary["succeeded"] as? Int == 6 && summary["failed"] as? Int == 1 && summary["blocked"] as? Int == 1, "\(summary)")
        #expect((summary["failures"] as? [[String: Any]])?.map { $0["step"] as? String } == ["A/2"], "\(summary)")
        #expect((summary["blockedSteps"] as? [[String: Any]])?.map { $0["step"] as? String } == ["B/2"], "\(summary)")
        let status = try s.dbuild("status")
        #expect(status.stdout.contains("On finish: the command of submission \(submission) failed (exit status 4)"), "\(status.stdout)")
        for i in [0, 1, 3] { #expect(s.read("b/\(i).txt") == "\(i)\n") }
        #expect(!s.exists("a/2.txt") && !s.exists("b/2.txt"))
    }
}

extension SlurmOnFinishTests {
    /// `--wait` was to run the command itself; Ctrl-C (or a lost login) ends the wait with tasks still
    /// out: a finish job takes the command over, and it runs once they have ended, counting them all.
    @Test func aWaitThatStopsHandsTheCommandToAJob() throws {
        let s = try Scenario("empty")
        try s.write("Datafile", Self.datafile(failing: nil, onFinish: nil).replacingOccurrences(of: "sleep 2; ", with: "sleep 4; "))
        let follow = Process()
        follow.executableURL = URL(fileURLWithPath: Scenario.executable)
        follow.arguments = ["all", "--wait", "--poll-interval", "1", "--on-finish", "cat > finished.json"]
        follow.currentDirectoryURL = URL(fileURLWithPath: s.path)
        let pipe = Pipe()
        follow.standardOutput = pipe
        try follow.run()
        #expect(SlurmInodeBudgetTests.wait(60) { !SlurmScenarioTests.submissions(s).isEmpty }, "submitted")
        usleep(1_500_000)                                   // a look or two of the waiting dbuild (1 s interval) first
        follow.interrupt()
        let said = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        follow.waitUntilExit()
        #expect(said.contains("stopped waiting") && said.contains("on finish: job "), "\(said)")
        #expect(!s.exists("finished.json"), "not run by the dbuild that stopped")
        #expect(SlurmInodeBudgetTests.wait(120) { s.exists("finished.json") }, "the finish job ran it")
        let summary = try Self.summary(s, "finished.json")
        #expect(summary["steps"] as? Int == 8 && summary["succeeded"] as? Int == 8 && summary["outcome"] as? String == "succeeded", "\(summary)")
    }

    /// A built campaign whose upstream rule is remade identically (its recipe text changed): the
    /// downstream hash rule's steps come out unchanged on the compute nodes (early cutoff), and the
    /// summary says so: succeeded, 4 run and 4 unchanged, none "did not run".
    @Test func stepsFoundUnchangedCountAsUnchanged() throws {
        let s = try Scenario("empty")
        let datafile = Self.datafile(failing: nil, onFinish: nil).replacingOccurrences(of: "defaultBackend(.slurm)", with: "")
            .replacingOccurrences(of: "}\nRule(\"B\"", with: "}\n.staleness(.hash)\nRule(\"B\"")
            + "\n.staleness(.hash)\n"
        try s.write("Datafile", datafile)
        #expect(try s.dbuild("all").status == 0)
        let before = (0..<4).map { s.read("b/\($0).txt") }
        try s.write("Datafile", datafile.replacingOccurrences(of: "sleep 2; ", with: "sleep 1; "))
        #expect(try s.dbuild("all", "--backend", "slurm", "--on-finish", "cat > finished.json").status == 0)
        #expect(SlurmInodeBudgetTests.wait(120) { s.exists("finished.json") }, "the on-finish command ran")
        let summary = try Self.summary(s, "finished.json")
        #expect(summary["outcome"] as? String == "succeeded" && summary["succeeded"] as? Int == 4 && summary["unchanged"] as? Int == 4
                && summary["notRun"] as? Int == 0, "\(summary)")
        #expect((0..<4).map { s.read("b/\($0).txt") } == before)
    }

    /// The Datafile is broken while the submission runs (an edit half done): the finish job cannot
    /// load it, and still runs the command, with what the state holds.
    @Test func aBrokenDatafileDoesNotSilenceTheCommand() throws {
        let s = try Scenario("empty")
        try s.write("Datafile", Self.datafile(failing: nil, onFinish: "cat > finished.json"))
        #expect(try s.dbuild("all").status == 0)
        let submission = try #require(SlurmScenarioTests.submissions(s).first)
        try s.write("Datafile", "import Rules\nRule(\"A\" {\n")
        #expect(SlurmInodeBudgetTests.wait(120) { s.exists(".dbuild/slurm/\(submission)/on-finish.result.json") }, "the finish job ended")
        let summary = try Self.summary(s, "finished.json")
        #expect(summary["steps"] as? Int == 8, "every submitted step is counted: \(summary)")
        #expect(s.read(".dbuild/slurm/\(submission)/on-finish.job.out")?.contains("the Datafile could not be loaded") == true)
        for i in 0..<4 { #expect(s.read("b/\(i).txt") == "\(i)\n") }
    }
}

/// The same command after a local build: run by dbuild itself at the end, told of the failure and
/// of what it blocked; its own failure is one line on stderr and changes neither the exit status nor
/// a product. A build with nothing to do runs no command.
@Suite struct LocalOnFinishTests {
    @Test func aLocalBuildRunsTheCommandAtItsEnd() throws {
        let s = try Scenario("empty")
        try s.write("Datafile", SlurmOnFinishTests.datafile(failing: 2, onFinish: "cat > finished.json; exit 4")
            .replacingOccurrences(of: "defaultBackend(.slurm)", with: ""))
        let build = try s.dbuild("all", "-k")
        #expect(build.status == 1, "a step failed: \(build.stdout)\(build.stderr)")
        #expect(build.stderr.contains("dbuild: the on-finish command failed (exit status 4)"), "\(build.stderr)")
        let summary = try SlurmOnFinishTests.summary(s, "finished.json")
        #expect(summary["backend"] as? String == "local" && summary["outcome"] as? String == "failed", "\(summary)")
        #expect(summary["succeeded"] as? Int == 6 && summary["failed"] as? Int == 1 && summary["blocked"] as? Int == 1, "\(summary)")
        for i in [0, 1, 3] { #expect(s.read("b/\(i).txt") == "\(i)\n") }

        try s.write("Datafile", SlurmOnFinishTests.datafile(failing: nil, onFinish: nil).replacingOccurrences(of: "defaultBackend(.slurm)", with: ""))
        try s.remove("finished.json")
        let again = try s.dbuild("all", "--on-finish", "env | grep ^DBUILD_ > finished.env")
        #expect(again.status == 0, "\(again.stderr)")
        let env = s.read("finished.env") ?? ""
        // The recipe changed for A only where it failed: A/2 and B/2 run, the others are up to date.
        #expect(env.contains("DBUILD_OUTCOME=succeeded") && env.contains("DBUILD_STEPS=") && env.contains("DBUILD_FAILED=0"), "\(env)")
        try s.remove("finished.env")
        #expect(try s.dbuild("all", "--on-finish", "touch finished.env").status == 0)
        #expect(!s.exists("finished.env"), "nothing to do: no command")

        // A command that hangs is stopped; the build's status stays its own.
        try s.remove("b/0.txt")
        let hung = try s.run(["all", "--on-finish", "sleep 60"], environment: ["DBUILD_ON_FINISH_TIMEOUT": "1"])
        #expect(hung.status == 0 && hung.stderr.contains("the on-finish command did not end within 1 s and was stopped"), "\(hung.stderr)")
    }
}

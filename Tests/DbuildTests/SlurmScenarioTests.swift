import Foundation
import Testing
import TestSupport

/// The SLURM backend against the real single-node SLURM that scripts/slurm-local.sh starts (the test
/// command starts it). Serialized: one test changes the cluster's limits.
@Suite(.serialized) struct SlurmScenarioTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    init() throws {
        try #require(try runTool("/bin/sh", ["-c", "sinfo -h -o %T"]).status == 0,
                     "SLURM is not running: start it with scripts/slurm-local.sh start")
    }

    /// Outputs of the lensing-chain fixture and their contents.
    static func products(_ s: Scenario, _ paths: [String]) -> [String: String?] {
        Dictionary(uniqueKeysWithValues: paths.map { ($0, s.read($0)) })
    }

    static func resultFiles(_ s: Scenario) -> [String] {
        let folder = s.path + "/.dbuild/slurm"
        let submissions = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return submissions.flatMap { sub in
            ((try? FileManager.default.contentsOfDirectory(atPath: "\(folder)/\(sub)/results")) ?? []).map { "\(sub)/\($0)" }
        }
    }

    static func submissions(_ s: Scenario) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: s.path + "/.dbuild/slurm")) ?? []).filter { $0 != "dry-run" }
    }

    static let chainOutputs = ["planes/m1/p0.txt", "planes/m1/p1.txt", "planes/m2/p0.txt", "planes/m2/p1.txt", "conv/m1.txt",
                               "conv/m2.txt", "rt/m1/run1.txt", "rt/m1/run2.txt", "rt/m1/run3.txt", "rt/m2/run1.txt",
                               "rt/m2/run2.txt", "rt/m2/run3.txt", "summary.txt"]

    @Test func pipelineOnSlurmMakesTheSameProductsAsALocalBuild() throws {
        let local = try Scenario("lensing-chain")
        #expect(try local.dbuild("all").status == 0)
        let s = try Scenario("lensing-chain")
        let dry = try s.dbuild("all", "--backend", "slurm", "-n")
        #expect(dry.stdout.contains("SLURM plan: 11 steps in 4 job arrays"), "\(dry.stdout)")
        #expect(dry.stdout.contains("dbuild:C  2 tasks × 1 step  cpus 1  — aftercorr array 0"))
        let run = try s.dbuild("all", "--backend", "slurm", "--wait", "--poll-interval", "1")
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("every step done"))
        #expect(Self.products(s, Self.chainOutputs) == Self.products(local, Self.chainOutputs))
        #expect(Self.resultFiles(s).isEmpty, "settled: the results are in the state store, and the results folder was compacted away")
        let plainLogs = try FileManager.default.subpathsOfDirectory(atPath: s.path + "/logs").filter { $0.hasSuffix(".log") }
        #expect(plainLogs.isEmpty, "the succeeded steps' logs were packed per task (or dropped when empty): \(plainLogs)")
        #expect(try s.dbuild("log", "S").status == 0)
        #expect(try s.dbuild("verify").status == 0)
        let again = try s.dbuild("all", "--backend", "slurm")
        #expect(again.stdout.contains("nothing to submit"))
        #expect(try s.dbuild("all").stdout.contains("0 run, 11 up to date"), "the local backend sees the same state")
    }

    @Test func failedStageCancelsItsDependentsAndARerunFinishesTheJob() throws {
        let s = try Scenario("slurm-failing")
        let run = try s.dbuild("all", "--backend", "slurm", "--wait", "--poll-interval", "1")
        #expect(run.status == 1)
        #expect(run.stdout.contains("FAILED: A/2"), "\(run.stdout)")
        for i in [1, 3, 4] { #expect(s.exists("b/\(i).txt")) }
        #expect(!s.exists("a/2.txt") && !s.exists("b/2.txt"))
        let status = try s.dbuild("status")
        #expect(status.stdout.contains("A/2: failed (exit status 4)"), "\(status.stdout)")
        #expect(status.stdout.contains("B/2: blocked by A/2, which failed"), "\(status.stdout)")
        #expect(status.stdout.contains("no calibration"))
        try s.write("fixed", "")
        let dry = try s.dbuild("all", "--backend", "slurm", "-n")
        #expect(dry.stdout.hasPrefix("Plan: 2 of 8 selected steps would run"), "\(dry.stdout)")
        let rerun = try s.dbuild("all", "--backend", "slurm", "--wait", "--poll-interval", "1")
        #expect(rerun.status == 0, "\(rerun.stdout)")
        #expect(s.read("b/2.txt") == "2\n")
    }

    @Test func secondBuildDuringARunningSubmissionSubmitsNothing() throws {
        let s = try Scenario("lensing-chain")
        try s.editDatafile(replacing: "s.recipe = \"cat {inputs} > {output}\"", with: "s.recipe = \"sleep 3; cat {inputs} > {output}\"")
        let first = try s.dbuild("all", "--backend", "slurm")
        #expect(first.status == 0)
        #expect(first.stdout.contains("submitted 11 steps as 4 job arrays"))
        let second = try s.dbuild("all", "--backend", "slurm")
        #expect(second.stdout.contains("nothing to submit"), "\(second.stdout)")
        #expect(Self.submissions(s).count == 1)
        let status = try s.dbuild("status")
        #expect(status.stdout.contains("queued") && !status.stdout.contains("Failed"))
        let waited = try s.dbuild("all", "--backend", "slurm", "--wait", "--poll-interval", "1")
        #expect(waited.status == 0, "\(waited.stdout)")
        #expect(Self.submissions(s).count == 1)
        #expect(try s.dbuild("verify").status == 0)
    }

    @Test func restartedDbuildAdoptsTheRunningJobsInsteadOfResubmitting() throws {
        let s = try Scenario("lensing-chain")
        try s.editDatafile(replacing: "s.recipe = \"cat {inputs} > {output}\"", with: "s.recipe = \"sleep 3; cat {inputs} > {output}\"")
        let process = try s.launch("all", "--backend", "slurm", "--wait", "--poll-interval", "1") {
            !Self.submissions(s).isEmpty && s.exists("planes/m1/p0.txt")
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let resumed = try s.dbuild("all", "--backend", "slurm", "--wait", "--poll-interval", "1")
        #expect(resumed.status == 0, "\(resumed.stdout)\(resumed.stderr)")
        #expect(resumed.stdout.contains("nothing new to submit"), "\(resumed.stdout)")
        #expect(Self.submissions(s).count == 1)
        #expect(try s.dbuild("verify").status == 0)
    }

    @Test func smallClusterLimitsForceBundlingAndSplittingAndThePipelineCompletes() throws {
        let exclusive = SlurmExclusive()
        defer { exclusive.release() }
        try Self.restartSlurm(["--max-array-size", "11"])
        defer { try? Self.restartSlurm([]) }
        let local = try Scenario("lensing-chain")
        let s = try Scenario("lensing-chain")
        for scenario in [local, s] {
            try scenario.editDatafile(replacing: "\"run\": 1...3", with: "\"run\": 1...15")
            try scenario.editDatafile(replacing: "s.recipe = \"(echo run {run}; cat {input}) > {output}\"\n}",
                                      with: "s.recipe = \"(echo run {run}; cat {input}) > {output}\"\n}\n.slurm(stepsPerTask: 2)")
        }
        #expect(try local.dbuild("all").status == 0)
        let dry = try s.dbuild("all", "--backend", "slurm", "-n")
        // 30 R steps, 2 per task: 15 tasks, split into arrays of at most 11.
        #expect(dry.stdout.contains("MaxArraySize 11"), "\(dry.stdout)")
        #expect(dry.stdout.contains("dbuild:R  11 tasks × 2 steps"), "\(dry.stdout)")
        #expect(dry.stdout.contains("dbuild:R  4 tasks × 2 steps"), "\(dry.stdout)")
        let run = try s.dbuild("all", "--backend", "slurm", "--wait", "--poll-interval", "1")
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let outputs = Self.chainOutputs.filter { !$0.hasPrefix("rt/") } + ["m1", "m2"].flatMap { m in (1...15).map { "rt/\(m)/run\($0).txt" } }
        #expect(Self.products(s, outputs) == Self.products(local, outputs))
    }

    @Test func timeoutEscalatesTheTimeLimitAndTheRetrySucceeds() throws {
        let s = try Scenario("lensing-chain")
        try s.write("Datafile", """
            import Rules
            Rule("Slow") { s in
                s.outputs = ["slow.txt"]
                s.recipe = "if [ -f attempted ]; then echo done > {output}; else touch attempted; sleep 600; fi"
            }
            .resources(time: "1m")
            .slurm(retries: 1, timeFactor: 2)
            """)
        let run = try s.dbuild("all", "--backend", "slurm", "--wait", "--poll-interval", "2")
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("TIMEOUT"), "\(run.stdout)")
        #expect(s.read("slow.txt") == "done\n")
        let scripts = Self.submissions(s).sorted().map { s.read(".dbuild/slurm/\($0)/array-0-Slow.sbatch") ?? "" }
        #expect(scripts.count == 2)
        #expect(scripts.first?.contains("--time=00:01:00") == true)
        #expect(scripts.last?.contains("--time=00:02:00") == true)
    }

    static func restartSlurm(_ arguments: [String]) throws {
        let result = try runTool("/bin/bash", [repository + "/scripts/slurm-local.sh", "start"] + arguments)
        try #require(result.status == 0, "\(result.output)")
    }
}

extension SlurmScenarioTests {
    @Test func ruleWithSeveralTasksRunsUnderSrunInsideTheJob() throws {
        let s = try Scenario("lensing-chain")
        try s.write("Datafile", """
            import Rules
            Rule("MPI") { s in
                s.outputs = ["rank0.txt", "rank1.txt"]
                s.recipe = "echo $SLURM_NTASKS > rank$SLURM_PROCID.txt"
            }
            .resources(nodes: 1, tasksPerNode: 2)
            """)
        let run = try s.dbuild("all", "--backend", "slurm", "--wait", "--poll-interval", "1")
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(s.read("rank0.txt") == "2\n")
        #expect(s.read("rank1.txt") == "2\n")
    }
}

extension SlurmScenarioTests {
    @Test func cancelStopsThisProjectsQueuedAndRunningTasks() throws {
        let s = try Scenario("lensing-chain")
        try s.editDatafile(replacing: "s.recipe = \"cat {inputs} > {output}\"", with: "s.recipe = \"sleep 30; cat {inputs} > {output}\"")
        #expect(try s.dbuild("all", "--backend", "slurm").status == 0)
        let cancel = try s.dbuild("cancel", "C/m1")
        #expect(cancel.status == 0, "\(cancel.stderr)")
        #expect(cancel.stdout.contains("Cancelled 1 step"), "\(cancel.stdout)")
        let all = try s.dbuild("cancel")
        #expect(all.stdout.contains("Cancelled"), "\(all.stdout)")
        let status = try s.dbuild("status")
        let queuedColumn = status.stdout.split(separator: "\n").dropFirst().prefix(4).map { line in
            line.split(separator: " ", omittingEmptySubsequences: true)[3]
        }
        #expect(queuedColumn.allSatisfy { $0 == "0" }, "\(status.stdout)")
        #expect(try s.dbuild("cancel").stdout.contains("Nothing to cancel"))
    }
}

extension SlurmScenarioTests {
    /// The example pipeline on SLURM, its MPI lens-plane step under this machine's launcher (Debian's
    /// Open MPI has no SLURM PMI support, so `mpirun` inside the job rather than plain `srun`).
    @Test func examplePipelineOnSlurmMakesTheSameProductsAsLocally() throws {
        let local = try Scenario.examplePipeline()
        #expect(try local.dbuild("all").status == 0)
        let s = try Scenario.examplePipeline()
        // Each launch with its own session folder: concurrent mpiruns of one user share
        // /tmp/ompi.<host>.<uid>, and one that ends can remove it under another that starts
        // ("orte_session_dir failed", seen once in CI with 6 lens-plane tasks at once).
        try s.write("machine-defaults", "slurm.launcher = mkdir -p /tmp/dbuild-ompi-$$ && TMPDIR=/tmp/dbuild-ompi-$$ mpirun --allow-run-as-root\n")
        let run = try s.run(["all", "--backend", "slurm", "--wait", "--poll-interval", "1"],
                            environment: ["DBUILD_DEFAULTS": s.path + "/machine-defaults"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let products = try FileManager.default.subpathsOfDirectory(atPath: local.path + "/data").filter { !$0.hasSuffix("/") }
            .filter { name in var dir: ObjCBool = false; _ = FileManager.default.fileExists(atPath: local.path + "/data/" + name, isDirectory: &dir); return !dir.boolValue }
        #expect(products.count == 6 + 24 + 6 + 30 + 30 + 6 + 1 + 3 * 11)      // and 3 release folders of 11 files
        for name in products {
            #expect(FileManager.default.contents(atPath: s.path + "/data/" + name) == FileManager.default.contents(atPath: local.path + "/data/" + name),
                    "\(name)")
        }
    }

    /// Issue 7, part 8: about 10 % of tasks fail at random on their first attempt, and the controller
    /// is restarted mid-run. Within two `dbuild all` rounds everything is complete, and no step that
    /// succeeded ran twice.
    @Test func randomFailuresAndAControllerRestartFinishWithinTwoRounds() throws {
        let exclusive = SlurmExclusive()
        defer { exclusive.release() }
        let s = try Scenario("empty")
        try s.write("Datafile", """
            import Rules
            Rule("T", over: ["i": 0..<40]) { s in
                s.outputs = ["t/\\(s.i).txt"]
                s.recipe = "echo {name} >> starts.log; if [ ! -e tried/{i} ]; then mkdir -p tried; touch tried/{i}; " +
                    "[ $(od -An -N1 -tu1 /dev/urandom) -lt 26 ] && exit 1; fi; sleep 1; echo {i} > {output}; echo {name} >> done.log"
            }
            .slurm(retries: 2)
            defaultBackend(.slurm)
            """)
        let first = try s.launch("all", "--wait", "--poll-interval", "1") { s.exists("starts.log") }
        let restart = try runTool("/bin/bash", [Self.repository + "/scripts/slurm-local.sh", "restart-controller", "4"])
        #expect(restart.status == 0, "\(restart.output)")
        #expect(first.isRunning, "the controller was restarted while dbuild was following the submission")
        first.waitUntilExit()
        var rounds = 1
        if first.terminationStatus != 0 {
            rounds += 1
            let second = try s.dbuild("all", "--wait", "--poll-interval", "1")
            #expect(second.status == 0, "\(second.stdout)\(second.stderr)")
        }
        #expect(rounds <= 2)
        for i in 0..<40 { #expect(s.read("t/\(i).txt") == "\(i)\n", "t/\(i).txt") }
        let starts = (s.read("starts.log") ?? "").split(separator: "\n").map(String.init)
        let done = (s.read("done.log") ?? "").split(separator: "\n").map(String.init)
        let failedFirst = Set(starts).filter { name in starts.filter { $0 == name }.count > 1 }
        #expect(done.count == 40 && Set(done).count == 40, "each step succeeded exactly once: \(done.count) successes")
        print("slurm faults — \(failedFirst.count) of 40 tasks failed on their first attempt (random), controller restarted once; "
              + "complete after \(rounds) round(s); steps that succeeded ran once")
        #expect(try s.dbuild("verify").status == 0)
    }

    /// Issue 7, part 8: running tasks are preempted by a job of a higher partition (scripts/slurm-local.sh
    /// configures "urgent" to requeue "debug"), and one is requeued by hand. SLURM runs them again
    /// (after its requeue delay); `--wait` follows them to the end, and each step succeeds once.
    @Test func preemptedAndRequeuedTasksRunAgainAndFinish() throws {
        let exclusive = SlurmExclusive()
        defer { exclusive.release() }
        let s = try Scenario("empty")
        try s.write("Datafile", """
            import Rules
            Rule("P", over: ["i": 0..<8]) { s in
                s.outputs = ["p/\\(s.i).txt"]
                s.recipe = "echo {name} >> starts.log; sleep 5; echo {i} > {output}; echo {name} >> done.log"
            }
            defaultBackend(.slurm)
            """)
        let build = try s.launch("all", "--wait", "--poll-interval", "1") {
            (s.read("starts.log") ?? "").split(separator: "\n").count >= 8
        }
        let job = try SlurmInodeBudgetTests.jobOf("P", in: s)
        #expect(!job.isEmpty)
        #expect(try runTool("/bin/sh", ["-c", "scontrol requeue \(job)_0"]).status == 0)
        let urgent = try runTool("/bin/sh", ["-c", "sbatch -p urgent -n 8 -o /dev/null --wrap 'sleep 2'"])
        #expect(urgent.status == 0, "\(urgent.output)")
        build.waitUntilExit()
        #expect(build.terminationStatus == 0)
        for i in 0..<8 { #expect(s.read("p/\(i).txt") == "\(i)\n") }
        let starts = (s.read("starts.log") ?? "").split(separator: "\n").map(String.init)
        let done = (s.read("done.log") ?? "").split(separator: "\n").map(String.init)
        #expect(Set(done).count == 8 && done.count == 8, "each step succeeded once: \(done)")
        let rerun = Set(starts).filter { name in starts.filter { $0 == name }.count > 1 }
        #expect(rerun.count >= 1, "tasks were preempted or requeued and ran again: \(starts)")
        print("slurm faults — \(rerun.count) of 8 running tasks preempted or requeued and run again; each step succeeded once")
        #expect(try s.dbuild("verify").status == 0)
    }

    /// Issue 7, part 7 on SLURM: a checkpointing step that fails keeps its files, and its retry is told
    /// its attempt number and how the previous attempt ended.
    @Test func checkpointingRetryOnSlurmKnowsItsAttempt() throws {
        let s = try Scenario("empty")
        try s.write("Datafile", """
            import Rules
            Rule("C") { s in
                s.outputs = ["c/state.txt"]
                s.recipe = "echo \\"attempt $DBUILD_ATTEMPT after [$DBUILD_PREVIOUS_EXIT]\\" >> {output}; [ $DBUILD_ATTEMPT -ge 2 ] || exit 7"
            }
            .checkpointing()
            .slurm(retries: 1)
            defaultBackend(.slurm)
            """)
        let run = try s.dbuild("all", "--wait", "--poll-interval", "1")
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let lines = (s.read("c/state.txt") ?? "").split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "\(lines)")
        #expect(lines.first == "attempt 1 after []")
        #expect(lines.last?.hasPrefix("attempt 2 after [") == true && lines.last?.contains("exit") == true, "\(lines)")
        #expect(try s.dbuild("all", "-n").stdout.hasPrefix("Nothing to do"))
    }
}

extension SlurmScenarioTests {
    /// Issue 12: queued jobs run the copy of dbuild that planned them (kept under .dbuild/bin by
    /// content), so replacing the executable between submission and run changes nothing for them.
    @Test func queuedJobsRunTheDbuildThatPlannedThem() throws {
        let s = try Scenario("lensing-chain")
        try s.editDatafile(replacing: "s.recipe = \"cat {inputs} > {output}\"", with: "s.recipe = \"sleep 2; cat {inputs} > {output}\"")
        let tools = TemporaryDirectory("dbuild-upgrade")
        let planner = tools.path + "/dbuild"
        try FileManager.default.copyItem(atPath: Scenario.executable, toPath: planner)
        let submit = try Scenario.run(["all", "--backend", "slurm"], in: s.path,
                                      environment: ["DBUILD_RULES_DIR": (Scenario.executable as NSString).deletingLastPathComponent],
                                      executable: planner)
        try #require(submit.status == 0, "\(submit.stdout)\(submit.stderr)")
        let submission = try #require(Self.submissions(s).first)
        // The planner is "upgraded" to something that cannot run a task while the jobs wait.
        try FileManager.default.removeItem(atPath: planner)
        try tools.write("dbuild", "#!/bin/sh\necho 'not the dbuild that planned this' >&2\nexit 99\n")
        let scripts = try FileManager.default.contentsOfDirectory(atPath: s.path + "/.dbuild/slurm/" + submission)
            .filter { $0.hasSuffix(".sbatch") }
        #expect(!scripts.isEmpty)
        for script in scripts {
            let text = s.read(".dbuild/slurm/\(submission)/\(script)") ?? ""
            #expect(text.contains(s.path + "/.dbuild/bin/") && !text.contains(planner), "\(text)")
        }
        let copies = try FileManager.default.contentsOfDirectory(atPath: s.path + "/.dbuild/bin")
        #expect(copies.count == 1, "one copy, named by its content")
        let waited = try s.dbuild("all", "--backend", "slurm", "--wait", "--poll-interval", "1")
        #expect(waited.status == 0, "\(waited.stdout)\(waited.stderr)")
        #expect(try s.dbuild("verify").status == 0)
    }
}

extension SlurmScenarioTests {
    /// Issue 12: limits from the cluster and the per-machine defaults file shape the plan, the dry
    /// run says where each came from, and a step longer than the partition allows is refused.
    @Test func perMachineLimitsShapeThePlanAndAreShown() throws {
        let s = try Scenario("lensing-chain")
        try s.write("machine-defaults", "slurm.maxSubmitJobs = 6\n")
        let environment = ["DBUILD_DEFAULTS": s.path + "/machine-defaults"]
        let dry = try s.run(["all", "--backend", "slurm", "-n"], environment: environment)
        #expect(dry.status == 0, "\(dry.stdout)\(dry.stderr)")
        #expect(dry.stdout.contains("MaxSubmitJobs 6 (\(s.path)/machine-defaults)"), "\(dry.stdout)")
        #expect(dry.stdout.contains("MaxArraySize 1001 (scontrol show config)"), "\(dry.stdout)")
        #expect(dry.stdout.contains("partition debug (default): MaxTime unlimited (scontrol show partition)"), "\(dry.stdout)")
        #expect(dry.stdout.contains("SLURM plan: 11 steps in 4 job arrays, 4 array tasks"), "bundled to fit 6 jobs: \(dry.stdout)")
        let run = try s.run(["all", "--backend", "slurm", "--wait", "--poll-interval", "1"], environment: environment)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(try s.dbuild("verify").status == 0)

        try s.write("machine-defaults", "slurm.maxTime = 00:30:00\n")
        try s.editDatafile(replacing: "wc -l > {output}\"\n}\n.staleness(policy)", with: "wc -l > {output}\"\n}\n.staleness(policy)\n.resources(time: \"1:00:00\")")
        try s.remove("summary.txt")
        let refused = try s.run(["all", "--backend", "slurm"], environment: environment)
        #expect(refused.status == 2, "\(refused.stdout)\(refused.stderr)")
        #expect(refused.stderr.contains("rule S (Datafile:") && refused.stderr.contains("MaxTime of 00:30:00"), "\(refused.stderr)")
        #expect(Self.submissions(s).count == 1, "nothing submitted")

        try s.write("machine-defaults", "")
        let budget = try s.run(["all", "--backend", "slurm", "-n", "--max-core-hours", "0.5"], environment: environment)
        #expect(budget.status == 2, "\(budget.stdout)\(budget.stderr)")
        #expect(budget.stderr.contains("this plan asks for 1 core-hours, more than --max-core-hours 0.5"), "\(budget.stderr)")
        let costed = try s.run(["all", "--backend", "slurm", "-n"], environment: environment)
        #expect(costed.stdout.contains("Cost:") && costed.stdout.contains("core-h asked"), "\(costed.stdout)")
    }
}

extension SlurmScenarioTests {
    /// Issue 12: a task farm on the real SLURM — one array task asking for 4 cpus runs its 4 steps
    /// side by side (their run times overlap), and the one step that fails is the only failure.
    @Test func aFarmBundleRunsItsStepsInParallelAndOneFailureStaysItsOwn() throws {
        let s = try Scenario("empty")
        try s.write("Datafile", """
            import Rules
            Rule("F", over: ["i": 0..<4]) { s in
                s.outputs = ["f/\\(s.i).txt"]
                s.recipe = "date +%s%N > {output}; sleep 2; date +%s%N >> {output}; [ {i} != 2 ]"
            }
            .resources(time: "10m")
            .slurm(stepsPerTask: 4, parallel: 4)
            defaultBackend(.slurm)
            """)
        let dry = try s.dbuild("all", "-n")
        #expect(dry.stdout.contains("dbuild:F  1 task × 4 steps  cpus 1, time 00:10:00 per step, a farm: 4 at once"), "\(dry.stdout)")
        let run = try s.dbuild("all", "--wait", "--poll-interval", "1")
        #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("FAILED: F/2") && !run.stdout.contains("FAILED: F/0") && !run.stdout.contains("FAILED: F/1"),
                "\(run.stdout)")
        let script = try #require(Self.submissions(s).first.flatMap { s.read(".dbuild/slurm/\($0)/array-0-F.sbatch") })
        #expect(script.contains("--cpus-per-task=4") && script.contains("--time=00:10:00"), "\(script)")
        let intervals = [0, 1, 3].map { i in (s.read("f/\(i).txt") ?? "").split(separator: "\n").compactMap { Int($0) } }
        #expect(intervals.allSatisfy { $0.count == 2 }, "\(intervals)")
        if intervals.allSatisfy({ $0.count == 2 }) {
            #expect(intervals.map { $0[0] }.max()! < intervals.map { $0[1] }.min()!, "the steps ran side by side")
        }
        #expect(!s.exists("f/2.txt"))
        let status = try s.dbuild("status")
        #expect(status.stdout.contains("F/2: failed (exit status 1)"), "\(status.stdout)")
    }
}

extension SlurmScenarioTests {
    /// `dbuild cancel` on a built project: queued steps never started and running ones had not
    /// written yet — every product on disk survives, byte-identical, and the steps stay to run.
    @Test func cancellingASubmissionOverBuiltProductsLosesNone() throws {
        let s = try Scenario("lensing-chain")
        #expect(try s.dbuild("all").status == 0)
        let before = Self.products(s, Self.chainOutputs)
        // `&&`, not `;`: SLURM signals the task's processes one by one, and a shell whose `sleep` was
        // killed first would go on to `cat … > {output}` — truncating the product itself, which dbuild
        // then rightly removes as half-made (seen once in CI).
        try s.editDatafile(replacing: "s.recipe = \"cat {inputs} > {output}\"", with: "s.recipe = \"sleep 30 && cat {inputs} > {output}\"")
        let submit = try s.dbuild("all", "--backend", "slurm")
        #expect(submit.stdout.contains("submitted 9 steps"), "C, R and S are stale (their recipe changed upstream): \(submit.stdout)")
        let cancel = try s.dbuild("cancel")
        #expect(cancel.status == 0 && cancel.stdout.contains("Cancelled"), "\(cancel.stdout)\(cancel.stderr)")
        Waiting.untilOffTheQueue(s)                       // the running tasks are stopped by SLURM (KillWait 5 s)
        #expect(try s.dbuild("status").status == 0)
        #expect(Self.products(s, Self.chainOutputs) == before, "no product lost or changed")
        #expect(try s.dbuild("all", "-n").stdout.contains("C/m1"), "the cancelled steps stay to run")
    }
}

import Foundation
import Testing

private let chainSteps: Set<String> = ["P/m1", "P/m2", "C/m1", "C/m2", "R/m1/1", "R/m1/2", "R/m1/3",
                                       "R/m2/1", "R/m2/2", "R/m2/3", "S"]
private let chainOutputs: [String: String] = [
    "planes/m1/p0.txt": "P/m1", "planes/m1/p1.txt": "P/m1", "planes/m2/p0.txt": "P/m2", "planes/m2/p1.txt": "P/m2",
    "conv/m1.txt": "C/m1", "conv/m2.txt": "C/m2",
    "rt/m1/run1.txt": "R/m1/1", "rt/m1/run2.txt": "R/m1/2", "rt/m1/run3.txt": "R/m1/3",
    "rt/m2/run1.txt": "R/m2/1", "rt/m2/run2.txt": "R/m2/2", "rt/m2/run3.txt": "R/m2/3", "summary.txt": "S",
]

/// What each step needs directly (to compute expected downstream sets).
private let chainDependents: [String: [String]] = [
    "P/m1": ["C/m1"], "P/m2": ["C/m2"], "C/m1": ["R/m1/1", "R/m1/2", "R/m1/3"], "C/m2": ["R/m2/1", "R/m2/2", "R/m2/3"],
    "R/m1/1": ["S"], "R/m1/2": ["S"], "R/m1/3": ["S"], "R/m2/1": ["S"], "R/m2/2": ["S"], "R/m2/3": ["S"], "S": [],
]

private func downstream(of steps: Set<String>) -> Set<String> {
    var result = steps
    var stack = Array(steps)
    while let s = stack.popLast() {
        for d in chainDependents[s]! where result.insert(d).inserted { stack.append(d) }
    }
    return result
}

@Suite struct BuildScenarioTests {
    @Test func freshBuildBuildsEverythingAndTheSecondRunsNothing() throws {
        let s = try Scenario("lensing-chain")
        let first = try s.dbuild("all")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(Scenario.stepsRun(first) == chainSteps)
        #expect(s.read("summary.txt")?.trimmingCharacters(in: .whitespaces) == "30\n")
        #expect(first.stdout.contains("dbuild: 11 run, 0 up to date, 0 failed"))
        let second = try s.dbuild("all")
        #expect(second.status == 0)
        #expect(Scenario.stepsRun(second).isEmpty)
        #expect(second.stdout.contains("dbuild: 0 run, 11 up to date, 0 failed"))
    }

    @Test func touchingOneInputRebuildsExactlyItsDownstreamChain() throws {
        let s = try Scenario("lensing-chain")
        try s.dbuild("all")
        try s.touch("src/m2.txt")
        #expect(Scenario.stepsRun(try s.dbuild("all")) == ["P/m2", "C/m2", "R/m2/1", "R/m2/2", "R/m2/3", "S"])
    }

    @Test func changingAToolRebuildsTheStepsThatRunIt() throws {
        let s = try Scenario("lensing-chain")
        try s.dbuild("all")
        try s.touch("bin/planes.sh")
        #expect(Scenario.stepsRun(try s.dbuild("all")) == chainSteps)
    }

    @Test func underHashTouchingWithoutChangingContentRebuildsNothing() throws {
        let s = try Scenario("lensing-chain")
        try s.editDatafile(replacing: "let policy: Staleness = .mtime", with: "let policy: Staleness = .hash")
        try s.dbuild("all")
        try s.touch("src/m1.txt")
        try s.touch("planes/m2/p0.txt")
        let result = try s.dbuild("all")
        #expect(result.status == 0)
        #expect(Scenario.stepsRun(result).isEmpty)
    }

    @Test func underHashAnUnchangedRebuiltProductStopsTheRebuild() throws {
        let s = try Scenario("lensing-chain")
        try s.editDatafile(replacing: "let policy: Staleness = .mtime", with: "let policy: Staleness = .hash")
        try s.dbuild("all")
        try s.remove("conv/m1.txt")          // comes back byte-identical: R/m1/* and S stay clean
        let result = try s.dbuild("all")
        #expect(Scenario.stepsRun(result) == ["C/m1"])
        #expect(result.stdout.contains("1 run, 10 up to date"))
    }

    @Test func changingARecipeRebuildsThatRuleAndItsDependents() throws {
        let s = try Scenario("lensing-chain")
        try s.dbuild("all")
        try s.editDatafile(replacing: "s.recipe = \"cat {inputs} > {output}\"", with: "s.recipe = \"cat {inputs} >{output}\"")
        let dry = try s.dbuild("all", "-n")
        #expect(dry.stdout.contains("C/m1  recipe changed"))
        #expect(Scenario.stepsRun(try s.dbuild("all")) == downstream(of: ["C/m1", "C/m2"]))
    }

    @Test func deletingFiveRandomOutputsRebuildsExactlyThoseStepsAndTheirDependents() throws {
        var generator = SystemRandomNumberGenerator()
        for policy in [".mtime", ".hash"] {
            let s = try Scenario("lensing-chain")
            try s.editDatafile(replacing: "let policy: Staleness = .mtime", with: "let policy: Staleness = \(policy)")
            try s.dbuild("all")
            let victims = Array(chainOutputs.keys).shuffled(using: &generator).prefix(5)
            for path in victims { try s.remove(path) }
            let owners = Set(victims.map { chainOutputs[$0]! })
            let ran = Scenario.stepsRun(try s.dbuild("all"))
            // mtime: the rebuilt outputs are newer, so everything downstream runs. hash: the products come
            // back byte-identical, so exactly the steps that lost an output run.
            #expect(ran == (policy == ".mtime" ? downstream(of: owners) : owners), "policy \(policy), removed \(victims)")
            #expect(try s.dbuild("verify").status == 0)
        }
    }

    @Test func dryRunAfterDeletingOneOutputListsThatStepAndItsDependentsWithReasons() throws {
        let s = try Scenario("lensing-chain")
        try s.dbuild("all")
        try s.remove("conv/m2.txt")
        let before = try s.treeFingerprint()
        let dry = try s.dbuild("all", "-n")
        #expect(dry.status == 0)
        try Scenario.expectGolden(dry.stdout, "dry-run-after-deleting-one-output.txt")
        #expect(try s.treeFingerprint() == before, "a dry run changes nothing")
    }

    @Test func failingStepWithKeepGoingLetsIndependentStepsFinishAndLeavesNoOutput() throws {
        let s = try Scenario("failing-step")
        let result = try s.dbuild("all", "-k", "-j", "2")
        #expect(result.status == 1)
        #expect(Scenario.stepsRun(result) == ["A/1", "A/2", "A/3", "A/4", "B/1", "B/3", "B/4"])
        #expect(!s.exists("a/2.txt"), "the failed step's partial output is removed")
        #expect(s.exists("b/4.txt"))
        #expect(result.stdout.contains("FAILED: A/2 failed (exit status 4)"))
        #expect(result.stdout.contains("something broke"))
        #expect(result.stdout.contains("1 blocked by failures"))
        #expect(s.read("logs/A/2.log") == "something broke\n")
    }

    @Test func failingStepWithoutKeepGoingStopsStartingNewSteps() throws {
        let s = try Scenario("failing-step")
        let result = try s.dbuild("all", "-j", "1")
        #expect(result.status == 1)
        #expect(Scenario.stepsRun(result) == ["A/1", "A/2"])
    }

    @Test func prefixTargetBuildsOnlyThatSlice() throws {
        let s = try Scenario("lensing-chain")
        let result = try s.dbuild("R/m1")
        #expect(result.status == 0)
        #expect(Scenario.stepsRun(result) == ["P/m1", "C/m1", "R/m1/1", "R/m1/2", "R/m1/3"])
        #expect(!s.exists("planes/m2/p0.txt"))
        #expect(!s.exists("summary.txt"))
    }

    @Test func whyExplainsTheChainOfReasons() throws {
        let s = try Scenario("lensing-chain")
        try s.dbuild("all")
        try s.touch("src/m1.txt")
        let why = try s.dbuild("why", "rt/m1/run2.txt")
        #expect(why.status == 0)
        #expect(why.stdout == """
            R/m1/2 will run: upstream will run: C/m1
              C/m1 will run: upstream will run: P/m1
                P/m1 will run: input newer: src/m1.txt

            """)
        #expect(try s.dbuild("why", "R/m2/1").stdout.contains("up to date"))
    }

    @Test func listShowsEachStepsState() throws {
        let s = try Scenario("lensing-chain")
        try s.dbuild("P")
        let list = try s.dbuild("list", "P", "C")
        #expect(list.stdout.contains("P/m1  built"))
        #expect(list.stdout.contains("C/m2  missing"))
        #expect(list.stdout.hasSuffix("2 built, 2 missing\n"))
    }

    @Test func statusCountsBuiltStaleMissingAndFailedStepsPerRule() throws {
        let s = try Scenario("lensing-chain")
        try s.dbuild("C")
        try s.touch("src/m2.txt")
        try s.editDatafile(replacing: "s.recipe = \"(echo run {run}; cat {input}) > {output}\"", with: "s.recipe = \"exit 3\"")
        #expect(try s.dbuild("R/m1/1").status == 1)
        let status = try s.dbuild("status")
        func row(_ rule: String) -> [String] {
            status.stdout.split(separator: "\n").first { $0.hasPrefix(rule + " ") }.map { $0.split(separator: " ").map(String.init) } ?? []
        }
        // rule, steps, built, queued, running, failed, blocked, stale, missing
        #expect(row("P") == ["P", "2", "1", "0", "0", "0", "0", "1", "0"], "\(status.stdout)")
        #expect(row("R") == ["R", "6", "0", "0", "0", "1", "0", "0", "5"], "\(status.stdout)")
        #expect(status.stdout.contains("R/m1/1: failed (exit status 3)"))
        #expect(status.stdout.contains("Core-hours used by recorded runs (run time × the rule's cores): P 0.00 (2 runs), C 0.00 (2 runs), R 0.00 (1 run)"),
                "\(status.stdout)")
        #expect(status.stdout.contains("log: logs/R/m1/1.log"))
    }

    @Test func cleanRemovesOnlyTheSelectedProducts() throws {
        let s = try Scenario("lensing-chain")
        try s.dbuild("all")
        let refused = try s.dbuild("clean", "R/m1")
        #expect(refused.status == 2, "without --yes and no terminal, clean refuses")
        #expect(s.exists("rt/m1/run1.txt"))
        #expect(refused.stderr.contains("clean would remove 3 files of 3 steps; see them with -n"), "\(refused.stderr)")
        let others = try s.treeFingerprint().filter { !$0.key.hasPrefix("rt/m1/") && !$0.key.hasPrefix(".dbuild/") && !$0.key.hasPrefix("logs/") }
        let dry = try s.dbuild("clean", "R/m1", "-n")
        #expect(dry.status == 0 && dry.stdout.contains("would remove rt/m1/run1.txt\n")
                && dry.stdout.contains("Would remove 3 files of 3 steps; nothing removed (-n)."), "\(dry.stdout)")
        #expect(s.exists("rt/m1/run1.txt"), "a dry run removes nothing")
        let cleaned = try s.dbuild("clean", "R/m1", "--yes")
        #expect(cleaned.status == 0 && cleaned.stdout.contains("Removed 3 files of 3 steps."))
        #expect(!s.exists("rt/m1/run1.txt") && !s.exists("rt/m1/run3.txt"))
        #expect(!s.exists("rt/m1"), "the folder the removal emptied goes too")
        #expect(try s.treeFingerprint().filter { !$0.key.hasPrefix(".dbuild/") && !$0.key.hasPrefix("logs/") } == others,
                "every other product byte- and mtime-identical")
        #expect(s.exists("conv/m1.txt") && s.exists("rt/m2/run1.txt"))
        #expect(Scenario.stepsRun(try s.dbuild("all")) == ["R/m1/1", "R/m1/2", "R/m1/3", "S"])
    }

    @Test func verifyReportsCompletenessAndExitsOneWhenIncomplete() throws {
        let s = try Scenario("lensing-chain")
        let empty = try s.dbuild("verify", "--json")
        #expect(empty.status == 1)
        #expect(empty.stdout.hasPrefix("{\"complete\":false"))
        try s.dbuild("all")
        #expect(try s.dbuild("verify").status == 0)
        try s.remove("rt/m2/run3.txt")
        try s.remove("planes/m1/p1.txt")
        let verify = try s.dbuild("verify", "--missing")
        #expect(verify.status == 1)
        try Scenario.expectGolden(verify.stdout, "verify-two-missing.txt")
    }

    @Test func interruptedBuildKeepsFinishedStepsAndRemovesPartialOutputs() throws {
        let s = try Scenario("failing-step")
        try s.write("Datafile", """
            import Rules
            Rule("Q", over: ["i": 1...3]) { s in
                s.outputs = ["q/\\(s.i).txt"]
                s.recipe = s.i == "3" ? "echo partial > {output}; sleep 60" : "echo {i} > {output}"
            }
            """)
        let process = try s.launch("all", "-j", "3") { s.exists("q/3.txt") && s.exists("q/1.txt") && s.exists("q/2.txt") }
        usleep(300_000)                       // the three recipes are into their sleep, past their first write
        process.interrupt()                   // SIGINT, as Ctrl-C
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        #expect(!s.exists("q/3.txt"), "the interrupted step's partial output is removed")
        let next = try s.dbuild("all", "-n")
        #expect(next.stdout.contains("Plan: 1 of 3"), "\(next.stdout)")
        #expect(next.stdout.contains("Q/3  missing output"))
    }

    @Test func lensingSuiteFromTheDocsEvaluatesTo34680StepsAndPlansThemAll() throws {
        let s = try Scenario("lensing-suite")
        try s.write("bin/lensplanes", "")
        let models = ["dmo", "hydro"] + (1...32).map { "replace\($0)" }
        for model in models { try s.write("sims/\(model)/snapshots.txt", "") }
        let nowhere = try s.dbuild("all", "-n")
        #expect(nowhere.status == 2 && nowhere.stderr.contains("root ceph is at /mnt/ceph/hydro_replace_LP"), "\(nowhere.stderr)")
        try FileManager.default.createDirectory(atPath: s.path + "/ceph", withIntermediateDirectories: true)
        let ceph = ["DBUILD_ROOT_CEPH": s.path + "/ceph"]
        let dry = try s.run(["all", "-n"], environment: ceph)
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.hasPrefix("Plan: 34680 of 34680 selected steps would run"))
        #expect(dry.stdout.contains("LP   340 steps (340 missing output)"))
        #expect(dry.stdout.contains("LUX  340 steps (340 missing output)"))
        #expect(dry.stdout.contains("RT   34000 steps (34000 missing output)"))
        #expect(!s.exists(".dbuild/state.db"))
        let slice = try s.run(["RT/replace7/LP_03", "-n"], environment: ceph)
        #expect(slice.stdout.hasPrefix("Plan: 102 of 102 selected steps would run"))
    }
}

extension BuildScenarioTests {
    /// A step with 4 outputs, one of them lost, whose rerun fails at launch: the 3 the failed
    /// attempt never touched are kept, byte-identical; the step stays marked to run.
    @Test func failedRerunKeepsTheOutputsItNeverTouched() throws {
        let s = try Scenario("empty")
        try s.write("bin/launch", "#!/bin/sh\nfor f in \"$@\"; do echo plane $f > $f; done\n")
        chmod(s.path + "/bin/launch", 0o755)
        try s.write("Datafile", """
            import Rules
            Rule("LP") { s in
                s.outputs = (0..<4).map { "planes/plane\\($0).dat" }
                s.recipe = "./bin/launch {outputs}"
            }
            .resources(time: "6:00:00")
            """)
        #expect(try s.dbuild("all").status == 0)
        let kept = (0..<4).filter { $0 != 2 }.map { "planes/plane\($0).dat" }
        let before = try s.treeFingerprint().filter { kept.contains($0.key) }
        try s.remove("planes/plane2.dat")
        try s.remove("bin/launch")                     // the launcher is gone: the rerun fails at launch
        let failed = try s.dbuild("all")
        #expect(failed.status == 1)
        #expect(failed.stdout.contains("it wrote into a staging folder, now removed: the 3 products it was to replace are untouched"), "\(failed.stdout)")
        #expect(try s.treeFingerprint().filter { kept.contains($0.key) } == before, "the 3 untouched outputs are kept as they were")
        #expect(try s.dbuild("all", "-n").stdout.contains("LP  missing output: planes/plane2.dat"), "and the step stays marked to run")
    }
}

import Foundation
import Testing
import TestSupport

/// Issue 25's products on the real local SLURM: temporaries removed with nobody waiting (by the
/// submission's finish job), a Zarr folder product with its expectations checked in the array task,
/// a protected step refused before anything is submitted, and a purged root's intermediates left
/// gone while a lost final product is remade with exactly its chain.
@Suite(.serialized) struct SlurmProductModelTests {
    init() throws {
        try #require(try runTool("/bin/sh", ["-c", "sinfo -h -o %T"]).status == 0,
                     "SLURM is not running: start it with scripts/slurm-local.sh start")
    }

    static func slurm(_ s: Scenario, _ extra: String...) throws -> Scenario.Result {
        try s.run(["all", "--backend", "slurm"] + extra)
    }

    @Test func temporariesGoWithNobodyWaitingAndAreNotMadeAgain() throws {
        let s = try Scenario("empty")
        try s.write("Datafile", TemporaryOutputsTests.chain)
        try s.write("params/r1.txt", "one\n")
        try s.write("params/r2.txt", "two\n")
        let submit = try Self.slurm(s)
        #expect(submit.status == 0 && submit.stdout.contains("removes the temporaries they used"), "\(submit.stdout)\(submit.stderr)")
        #expect(Waiting.untilOffTheQueue(s), "the arrays and the finish job ended")
        #expect(s.read("c/r1.txt") == "ONE\nONE\n" && s.read("c/r2.txt") == "TWO\nTWO\n")
        #expect(!s.exists("b/r1.txt") && !s.exists("b/r2.txt"), "the finish job removed the temporaries once C had read them")
        // SLURM's own output of each task is empty here (the steps log on their own): none is left.
        let outputs = ["A", "B", "C"].flatMap { rule in
            ((try? FileManager.default.contentsOfDirectory(atPath: s.path + "/logs/" + rule)) ?? []).filter { $0.hasPrefix("slurm-") }
        }
        #expect(outputs.isEmpty, "empty slurm-*.out files removed: \(outputs)")
        let dry = try s.run(["all", "--backend", "slurm", "-n"])
        #expect(dry.stdout.contains("Nothing to do"), "\(dry.stdout)")
        let verify = try s.dbuild("verify")
        #expect(verify.status == 0 && verify.stdout.contains("2 outputs of .temporary() steps: temporary, removed after use"), "\(verify.stdout)")
        // A changed input: B is made again for C, on SLURM, and goes again afterwards.
        let kept = try s.treeFingerprint().filter { $0.key.hasPrefix("c/r1") || $0.key.hasPrefix("a/r1") }
        try s.write("params/r2.txt", "deux\n")
        let again = try Self.slurm(s, "--wait", "--poll-interval", "1")
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        #expect(s.read("c/r2.txt") == "DEUX\nDEUX\n" && !s.exists("b/r2.txt"))
        #expect(try s.treeFingerprint().filter { $0.key.hasPrefix("c/r1") || $0.key.hasPrefix("a/r1") } == kept, "r1's products untouched")
    }

    @Test func aZarrStoreIsCheckedInTheArrayTaskAndAFailedRewriteKeepsIt() throws {
        try #require(try runTool("/bin/sh", ["-c", "python3 -c 'import zarr'"]).status == 0, "pip install zarr (scripts/test.sh does)")
        let s = try Scenario("empty")
        try s.write("Datafile", ZarrStoreTests.datafile)
        try s.write("write_store.py", ZarrStoreTests.writer)
        try s.write("read_mean.py", ZarrStoreTests.reader)
        let build = try Self.slurm(s, "--wait", "--poll-interval", "1")
        try #require(build.status == 0, "\(build.stdout)\(build.stderr)")
        #expect(s.read("means/m2.txt") == "4095.0\n")
        let means = try s.treeFingerprint().filter { $0.key.hasPrefix("means/") }
        try s.remove("stores/m1.zarr/c/0/3")
        let rebuild = try Self.slurm(s, "--wait", "--poll-interval", "1")
        #expect(rebuild.status == 0, "\(rebuild.stdout)\(rebuild.stderr)")
        #expect(s.exists("stores/m1.zarr/c/0/3"))
        #expect(try s.treeFingerprint().filter { $0.key.hasPrefix("means/") } == means, "the identical store cut off its reader")

        let stores = try s.treeFingerprint().filter { $0.key.hasPrefix("stores/") }
        try s.write("write_store.py", ZarrStoreTests.writer + "\nimport os; os.remove(path + '/zarr.json')\n")
        let broken = try Self.slurm(s, "--wait", "--poll-interval", "1")
        #expect(broken.status == 1, "\(broken.stdout)\(broken.stderr)")
        #expect(try s.treeFingerprint().filter { $0.key.hasPrefix("stores/") } == stores, "the good stores are byte- and mtime-identical")
        #expect(broken.stdout.contains("stores/m1.zarr/: no zarr.json inside"), "\(broken.stdout)")
    }

    @Test func aProtectedStepIsRefusedBeforeAnythingIsSubmitted() throws {
        let s = try Scenario("empty")
        try s.write("Datafile", """
            import Rules
            Rule("catalogue") { s in
                s.inputs = ["input.txt"]
                s.outputs = ["catalogue.fits"]
                s.recipe = "cat {input} > {output}"
            }
            .protected()
            """)
        try s.write("input.txt", "v1\n")
        #expect(try Self.slurm(s, "--wait", "--poll-interval", "1").status == 0)
        let before = try s.treeFingerprint().filter { $0.key == "catalogue.fits" }
        let submissions = SlurmScenarioTests.submissions(s)
        try s.write("input.txt", "v2\n")
        try s.touch("input.txt")
        let refused = try Self.slurm(s)
        #expect(refused.status == 2 && refused.stderr.contains("catalogue") && refused.stderr.contains("--rebuild-protected"),
                "\(refused.stdout)\(refused.stderr)")
        #expect(Set(SlurmScenarioTests.submissions(s)) == Set(submissions), "nothing was submitted")
        #expect(try s.treeFingerprint().filter { $0.key == "catalogue.fits" } == before)
        let forced = try Self.slurm(s, "--rebuild-protected", "--wait", "--poll-interval", "1")
        #expect(forced.status == 0, "\(forced.stdout)\(forced.stderr)")
        #expect(s.read("catalogue.fits") == "v2\n")
    }

    @Test func purgedIntermediatesStayGoneAndALostFinalProductRemakesItsChain() throws {
        let s = try Scenario("empty")
        let scrubbed = TemporaryDirectory("dbuild-slurm-purged")
        try s.write("Datafile", """
            import Rules
            let scratch = Root("scrubbed", default: "\(scrubbed.path)")
            Rule("sim", over: ["r": ["r1", "r2"]]) { s in
                s.outputs = [scratch["sim/\\(s.r).dat"]]
                s.recipe = "echo {r} > {output}"
            }
            Rule("final", over: ["r": ["r1", "r2"]]) { s in
                s.inputs = s.outputs(of: "sim/\\(s.r)")
                s.outputs = ["final/\\(s.r).txt"]
                s.recipe = "tr a-z A-Z < {input} > {output}"
            }
            """)
        try s.write("machine-defaults", "root.scrubbed.purge = 21d\n")
        let here = ["DBUILD_DEFAULTS": s.path + "/machine-defaults"]
        #expect(try s.run(["all", "--backend", "slurm", "--wait", "--poll-interval", "1"], environment: here).status == 0)
        try FileManager.default.removeItem(atPath: scrubbed.path + "/sim")
        let nothing = try s.run(["all", "--backend", "slurm"], environment: here)
        #expect(nothing.stdout.contains("nothing to submit"), "\(nothing.stdout)")
        let kept = try s.treeFingerprint().filter { $0.key == "final/r1.txt" }
        try s.remove("final/r2.txt")
        let build = try s.run(["all", "--backend", "slurm", "--wait", "--poll-interval", "1"], environment: here)
        #expect(build.status == 0 && build.stdout.contains("submitted 2 steps"), "\(build.stdout)\(build.stderr)")
        #expect(s.read("final/r2.txt") == "R2\n" && !FileManager.default.fileExists(atPath: scrubbed.path + "/sim/r1.dat"))
        #expect(try s.treeFingerprint().filter { $0.key == "final/r1.txt" } == kept)
    }

    /// Issue 26: a Datafile broken by an edit while a submission runs does not hide it — `status`
    /// shows what the state knows, the Datafile's error first as a warning.
    @Test func statusShowsARunningSubmissionWhileTheDatafileIsBroken() throws {
        let s = try Scenario("empty")
        try s.write("Datafile", """
            import Rules
            Rule("sim", over: ["i": 0..<2]) { s in
                s.outputs = ["sim/\\(s.i).txt"]
                s.recipe = "touch began-{i}; while [ ! -f go ]; do sleep 0.2; done; echo {i} > {output}"
            }
            """)
        let submit = try Self.slurm(s)
        try #require(submit.status == 0, "\(submit.stdout)\(submit.stderr)")
        defer { try? s.write("go", ""); Waiting.untilOffTheQueue(s) }
        let job = try SlurmInodeBudgetTests.jobOf("sim", in: s)
        try s.editDatafile(replacing: "over: [\"i\": 0..<2]", with: "over: [\"i\": 0..<2], oops")
        let status = try s.dbuild("status")
        #expect(status.status == 0, "\(status.stdout)\(status.stderr)")
        #expect(status.stdout.contains("dbuild: warning: the Datafile cannot be evaluated, so this is what the state knows"), "\(status.stdout)")
        #expect(status.stdout.contains("sim        0       0         2  \(job)"), "\(status.stdout)")
        #expect(status.stdout.contains("2 steps are out on SLURM (queued or running): they run on"), "\(status.stdout)")
    }
}


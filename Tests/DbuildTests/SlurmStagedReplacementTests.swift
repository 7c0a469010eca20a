import Foundation
import Testing

/// Issue 25 on the real local SLURM: array tasks write into staging folders too. From a built
/// campaign, a rebuild cancelled (`dbuild cancel`) or preempted (`scontrol requeue`) while its
/// recipes rewrite the products leaves every product byte- and mtime-identical; a rebuild that
/// succeeds replaces them; a recipe that removes and recreates its output folder succeeds.
@Suite(.serialized) struct SlurmStagedReplacementTests {
    init() throws {
        try #require(try runTool("/bin/sh", ["-c", "sinfo -h -o %T"]).status == 0,
                     "SLURM is not running: start it with scripts/slurm-local.sh start")
    }

    /// Two maps, each a task of its own; the rebuild's recipe writes half its map, says it began,
    /// and waits for `go`.
    static let campaign = """
        import Rules
        Rule("Map", over: ["i": 0..<2]) { s in
            s.outputs = ["maps/\\(s.i).dat"]
            s.recipe = "echo VERSION-{i} > {output}; touch began-{i}; while [ ! -f go ]; do sleep 0.2; done"
        }
        .resources(time: "4:00:00")
        Rule("Sum") { s in
            s.inputs = s.outputs(of: "Map")
            s.outputs = ["sum.dat"]
            s.recipe = "cat {inputs} > {output}"
        }
        """

    static func builtCampaign() throws -> Scenario {
        let s = try Scenario("empty")
        try s.write("Datafile", campaign.replacingOccurrences(of: "VERSION", with: "v1"))
        try s.write("go", "")
        #expect(try s.dbuild("all").status == 0)
        try s.remove("go")
        for i in 0..<2 { try s.remove("began-\(i)") }
        try s.editDatafile(replacing: "v1-", with: "v2-")
        return s
    }

    static func products(_ s: Scenario) throws -> [String: String] {
        try s.treeFingerprint().filter { $0.key.hasPrefix("maps/") || $0.key == "sum.dat" }
    }

    static func submit(_ s: Scenario) throws {
        let submit = try s.dbuild("all", "--backend", "slurm")
        try #require(submit.status == 0, "\(submit.stdout)\(submit.stderr)")
        try #require(SlurmInodeBudgetTests.wait(90) { (0..<2).allSatisfy { s.exists("began-\($0)") } },
                     "both recipes began rewriting")
    }

    @Test func aCancelledRebuildLeavesEveryProductAsItWas() throws {
        let s = try Self.builtCampaign()
        let before = try Self.products(s)
        try Self.submit(s)
        let cancel = try s.dbuild("cancel")
        #expect(cancel.status == 0, "\(cancel.stdout)\(cancel.stderr)")
        Waiting.untilOffTheQueue(s)
        #expect(try Self.products(s) == before, "byte- and mtime-identical after the cancel")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: s.path + "/.dbuild/staging")) ?? []).isEmpty,
                "the tasks removed their staging folders as they were stopped")
        // The rebuild, done: the products are replaced.
        try s.write("go", "")
        let rebuild = try s.dbuild("all", "--backend", "slurm", "--wait", "--poll-interval", "1")
        #expect(rebuild.status == 0, "\(rebuild.stdout)\(rebuild.stderr)")
        #expect(s.read("maps/0.dat") == "v2-0\n" && s.read("sum.dat") == "v2-0\nv2-1\n")
    }

    @Test func aPreemptedRebuildLeavesTheProductUntilItsRerunSucceeds() throws {
        let exclusive = SlurmExclusive()
        defer { exclusive.release() }
        let s = try Self.builtCampaign()
        let before = try Self.products(s)
        try Self.submit(s)
        let job = try SlurmInodeBudgetTests.jobOf("Map", in: s)
        try #require(!job.isEmpty)
        for i in 0..<2 { try s.remove("began-\(i)") }
        #expect(try runTool("/bin/sh", ["-c", "scontrol requeue \(job)_0"]).status == 0)
        // The requeued task runs again and its recipe begins rewriting once more.
        #expect(SlurmInodeBudgetTests.wait(120) { s.exists("began-0") }, "the requeued task ran again")
        #expect(try Self.products(s) == before, "byte- and mtime-identical while the preempted rebuild runs again")
        try s.write("go", "")
        let wait = try s.dbuild("all", "--backend", "slurm", "--wait", "--poll-interval", "1")
        #expect(wait.status == 0, "\(wait.stdout)\(wait.stderr)")
        Waiting.untilOffTheQueue(s)
        #expect(s.read("maps/0.dat") == "v2-0\n" && s.read("maps/1.dat") == "v2-1\n", "the rebuild that succeeded replaced them")
    }

    @Test func aRecipeThatReplacesItsOutputFolderSucceedsOnSlurm() throws {
        let s = try Scenario("empty")
        try s.write("Datafile", """
            import Rules
            Rule("a") { s in
                s.outputs = ["somedir/test.out"]
                s.recipe = "rm -rf somedir && mkdir -p somedir && echo hi > {output}"
            }
            .writesInPlace()
            Rule("b") { s in
                s.outputs = ["otherdir/test.out"]
                s.recipe = "rm -rf otherdir && mkdir -p otherdir && echo hi > {output}"
            }
            """)
        let build = try s.dbuild("all", "--backend", "slurm", "--wait", "--poll-interval", "1")
        #expect(build.status == 0, "\(build.stdout)\(build.stderr)")
        #expect(s.read("somedir/test.out") == "hi\n" && s.read("otherdir/test.out") == "hi\n")
        try s.editDatafile(replacing: "echo hi", with: "echo hello")
        let edited = try s.dbuild("all", "--backend", "slurm", "--wait", "--poll-interval", "1")
        #expect(edited.status == 0, "\(edited.stdout)\(edited.stderr)")
        #expect(s.read("somedir/test.out") == "hello\n" && s.read("otherdir/test.out") == "hello\n")
    }
}

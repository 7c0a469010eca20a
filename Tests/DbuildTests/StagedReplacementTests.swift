import Foundation
import Testing
import TestSupport

/// Issue 25, item 1: a rebuild writes into a staging folder, and its outputs replace the products
/// only when it succeeded. From a built campaign, every way an attempt can end badly — its recipe
/// fails, runs past its time, dbuild is interrupted (Ctrl-C) or killed (kill -9) while the recipe is
/// rewriting — leaves every product byte- and mtime-identical; a successful rebuild replaces them.
@Suite struct StagedReplacementTests {
    /// Two maps and their sum; the rebuild's recipe writes half its product, says it began, then waits for
    /// `go` (or fails, with `fail`).
    static let campaign = """
        import Rules
        Rule("Map", over: ["i": 0..<2]) { s in
            s.outputs = ["maps/\\(s.i).dat"]
            s.recipe = "echo VERSION-{i} > {output}; echo sidecar > $(dirname {output})/{i}.side; touch began-{i}; while [ ! -f go ]; do [ -f fail ] && exit 3; sleep 0.1; done"
        }
        Rule("Sum") { s in
            s.inputs = s.outputs(of: "Map")
            s.outputs = ["sum.dat"]
            s.recipe = "cat {inputs} > {output}"
        }
        """

    /// A built campaign at version 1; the Datafile then says version 2, so every step is stale.
    static func builtCampaign() throws -> Scenario {
        let s = try Scenario("empty")
        try s.write("Datafile", campaign.replacingOccurrences(of: "VERSION", with: "v1"))
        try s.write("go", "")
        let build = try s.dbuild("all", "-j", "2")
        #expect(build.status == 0, "\(build.stdout)\(build.stderr)")
        #expect(s.read("sum.dat") == "v1-0\nv1-1\n")
        #expect(s.read("maps/0.side") == "sidecar\n", "a file written beside {output} lands beside the product")
        try s.remove("go")
        for i in 0..<2 { try s.remove("began-\(i)") }
        try s.editDatafile(replacing: "v1-", with: "v2-")
        return s
    }

    /// Every product's bytes and mtime.
    static func products(_ s: Scenario) throws -> [String: String] {
        try s.treeFingerprint().filter { $0.key.hasPrefix("maps/") || $0.key == "sum.dat" }
    }

    @Test func aFailedRebuildLeavesEveryProductAsItWas() throws {
        let s = try Self.builtCampaign()
        let before = try Self.products(s)
        try s.write("fail", "")
        let failed = try s.dbuild("all", "-k", "-j", "2")
        #expect(failed.status == 1)
        #expect(failed.stdout.contains("it wrote into a staging folder, now removed: the 1 product it was to replace is untouched"), "\(failed.stdout)")
        #expect(try Self.products(s) == before, "byte- and mtime-identical after the failed rebuild")
        #expect(try Self.stagingLeft(s).isEmpty)
        // Still stale, and a successful rebuild replaces them.
        try s.remove("fail")
        try s.write("go", "")
        #expect(try s.dbuild("all", "-n").stdout.contains("last attempt failed"))
        #expect(try s.dbuild("all", "-j", "2").status == 0)
        #expect(s.read("maps/1.dat") == "v2-1\n" && s.read("sum.dat") == "v2-0\nv2-1\n")
    }

    @Test func aRebuildPastItsTimeLimitLeavesTheProductsAsTheyWere() throws {
        let s = try Self.builtCampaign()
        try s.editDatafile(replacing: "\nRule(\"Sum\")", with: "\n.resources(time: \"2s\")\nRule(\"Sum\")")
        let before = try Self.products(s)
        let timedOut = try s.dbuild("all", "-k", "-j", "2")
        #expect(timedOut.stdout.contains("ran past its time limit of 2 s"), "\(timedOut.stdout)")
        #expect(try Self.products(s) == before)
        #expect(try Self.stagingLeft(s).isEmpty)
    }

    @Test func ctrlCWhileRecipesRewriteLeavesTheProductsAsTheyWere() throws {
        let s = try Self.builtCampaign()
        let before = try Self.products(s)
        let build = try s.launch("all", "-j", "2") { (0..<2).allSatisfy { s.exists("began-\($0)") } }
        #expect((0..<2).allSatisfy { s.exists("began-\($0)") }, "both recipes began rewriting")
        kill(build.processIdentifier, SIGINT)
        build.waitUntilExit()
        #expect(build.terminationStatus == 130)
        #expect(try Self.products(s) == before, "byte- and mtime-identical after Ctrl-C")
        #expect(try Self.stagingLeft(s).isEmpty)
    }

    @Test func killDashNineWhileRecipesRewriteLeavesTheProductsAndTheNextBuildReplacesThem() throws {
        let s = try Self.builtCampaign()
        let before = try Self.products(s)
        let build = try s.launch("all", "-j", "2") { (0..<2).allSatisfy { s.exists("began-\($0)") } }
        kill(build.processIdentifier, SIGKILL)
        // Not `waitUntilExit()` yet: Foundation's wait for a killed child takes its orphaned recipes
        // down with it, and this is about a run that left its recipes running (StateRecoveryTests).
        defer { build.waitUntilExit() }
        Waiting.until(10) { Waiting.isDead(build.processIdentifier) }
        #expect(try Self.products(s) == before, "byte- and mtime-identical after kill -9")
        // The recipes it left running are stopped by the next build, which reruns every step.
        try s.write("go", "")
        let next = try s.dbuild("all", "-j", "2")
        #expect(next.status == 0, "\(next.stdout)\(next.stderr)")
        #expect(Scenario.stepsRun(next) == ["Map/0", "Map/1", "Sum"], "\(next.stdout)")
        #expect(s.read("sum.dat") == "v2-0\nv2-1\n")
        #expect(try Self.stagingLeft(s).isEmpty)
    }

    /// `.writesInPlace()` keeps make's behaviour (the recipe writes the product itself; a failed attempt's
    /// touched outputs are removed), and `-n -v` says which steps are written in place and why.
    @Test func recipesThatCannotBeStagedWriteInPlaceAndTheDryRunSaysWhy() throws {
        let s = try Scenario("empty")
        try s.write("Datafile", """
            import Rules
            Rule("Declared") { s in
                s.outputs = ["declared.txt"]
                s.recipe = "echo new > {output}; [ -f fail ] && exit 1; true"
            }
            .writesInPlace()
            Rule("Appends") { s in
                s.outputs = ["journal.txt"]
                s.recipe = "date >> {output}"
            }
            Rule("Named") { s in
                s.outputs = ["first.txt", "fixed-name.txt"]
                s.recipe = "echo a > {output}; echo x > fixed-name.txt"
            }
            Rule("Unnamed") { s in
                s.outputs = ["unnamed.txt"]
                s.recipe = "echo x > unnamed.txt"
            }
            Rule("Staged") { s in
                s.outputs = ["staged.txt"]
                s.recipe = "echo x > {output}"
            }
            """)
        let dry = try s.dbuild("all", "-n", "-v")
        #expect(dry.stdout.contains("Written in place, not staged"), "\(dry.stdout)")
        #expect(dry.stdout.contains("Declared (1 step): its rule says .writesInPlace()"), "\(dry.stdout)")
        #expect(dry.stdout.contains("Appends (1 step): its recipe appends to its output (>> {output})"), "\(dry.stdout)")
        #expect(dry.stdout.contains("Named (1 step): its recipe names fixed-name.txt itself, not through {output}"), "\(dry.stdout)")
        #expect(dry.stdout.contains("Unnamed (1 step): its recipe never names its outputs with {output} or {outputs}"), "\(dry.stdout)")
        #expect(!dry.stdout.contains("Staged (1 step)"), "\(dry.stdout)")
        #expect(try s.dbuild("all").status == 0)
        #expect(s.read("fixed-name.txt") == "x\n" && s.read("first.txt") == "a\n" && s.read("staged.txt") == "x\n")
        try s.write("fail", "")
        let failed = try s.dbuild("Declared", "-B")
        #expect(failed.stdout.contains("the outputs it wrote were removed (1 of 1)"), "\(failed.stdout)")
        #expect(!s.exists("declared.txt"), "written in place: a failed attempt's half-made product is removed")
    }

    /// A product under a root is staged inside the root's first location (the same file system)
    /// while its recipe runs, and the staging folder is gone once it is in place.
    @Test func aProductUnderARootIsStagedInsideThatRoot() throws {
        let s = try Scenario("empty")
        let scratch = TemporaryDirectory("dbuild-staging-root")
        try s.write("Datafile", """
            import Rules
            let scratch = Root("scratch", default: "\(scratch.path)")
            Rule("Plane") { s in
                s.outputs = [scratch["planes/p.dat"]]
                s.recipe = "pwd > where-{name}; echo {output} >> where-{name}; echo plane > {output}; while [ ! -f go ]; do sleep 0.1; done"
            }
            """)
        let build = try s.launch("all") { s.exists("where-Plane") }
        #expect(Waiting.until(10) { (s.read("where-Plane") ?? "").split(separator: "\n").count == 2 })
        let written = (s.read("where-Plane") ?? "").split(separator: "\n").last.map(String.init) ?? ""
        #expect(written.hasPrefix(scratch.path + "/.dbuild-staging/"), "\(written)")
        #expect(written.hasSuffix("/p.dat"), "staged flat: the folder stands for planes/")
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/planes/p.dat"), "not in place before it succeeded")
        try s.write("go", "")
        build.waitUntilExit()
        #expect(build.terminationStatus == 0)
        #expect(scratch.read("planes/p.dat") == "plane\n")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: scratch.path + "/.dbuild-staging")) ?? []).isEmpty)
    }

    /// Staging folders still holding something (the project's).
    static func stagingLeft(_ s: Scenario) throws -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: s.path + "/.dbuild/staging")) ?? []
    }
}

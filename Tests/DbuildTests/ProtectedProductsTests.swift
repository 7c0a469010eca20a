import Foundation
import Testing

/// Issue 25, item 5: a finished catalogue is never rebuilt by accident, and reference data judged
/// by presence only never makes anything stale.
@Suite struct ProtectedProductsTests {
    static func mode(_ s: Scenario, _ relative: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: s.path + "/" + relative))?[.posixPermissions] as? Int) ?? -1
    }

    @Test func aStaleProtectedStepIsRefusedUntilRebuildProtectedIsGiven() throws {
        let s = try Scenario("empty")
        try s.write("Datafile", """
            import Rules
            Rule("Catalog") { s in
                s.inputs = ["source.csv"]
                s.outputs = ["catalog.csv"]
                s.recipe = "sort {input} > {output}"
            }
            .protected()
            Rule("InPlace") { s in
                s.inputs = ["source.csv"]
                s.outputs = ["copy.csv"]
                s.recipe = "cat {input} > {output}"
            }
            .protected().writesInPlace()
            Rule("Plot") { s in
                s.inputs = ["catalog.csv"]
                s.outputs = ["plot.txt"]
                s.recipe = "wc -l < {input} > {output}"
            }
            """)
        try s.write("source.csv", "b\na\n")
        let first = try s.dbuild("all")
        #expect(first.status == 0, "a protected step never built is made: \(first.stdout)\(first.stderr)")
        #expect(s.read("catalog.csv") == "a\nb\n")
        #expect(Self.mode(s, "catalog.csv") & 0o222 == 0, "made read-only after success")
        #expect(Self.mode(s, "copy.csv") & 0o222 == 0)

        try s.write("source.csv", "c\nb\na\n")
        let before = try s.treeFingerprint().filter { !$0.key.hasPrefix(".dbuild") }
        let refused = try s.dbuild("all")
        #expect(refused.status == 2, "\(refused.stdout)\(refused.stderr)")
        #expect(refused.stderr.contains("2 steps of .protected() rules would run again"), "\(refused.stderr)")
        #expect(refused.stderr.contains("Catalog: input newer: source.csv"), "\(refused.stderr)")
        #expect(refused.stderr.contains("--rebuild-protected"), "\(refused.stderr)")
        #expect(try s.treeFingerprint().filter { !$0.key.hasPrefix(".dbuild") } == before, "nothing ran")
        // A dry run shows the plan and says a build of it is refused.
        let dry = try s.dbuild("all", "-n")
        #expect(dry.status == 0 && dry.stdout.contains("a build of this plan is refused"), "\(dry.stdout)")
        // Targets that leave the protected steps out still build.
        #expect(try s.dbuild("Plot").status == 2, "Plot needs Catalog, which is stale")

        let rebuilt = try s.dbuild("all", "--rebuild-protected")
        #expect(rebuilt.status == 0, "\(rebuilt.stdout)\(rebuilt.stderr)")
        #expect(s.read("catalog.csv") == "a\nb\nc\n" && s.read("copy.csv") == "c\nb\na\n" && s.read("plot.txt") == "3\n")
        #expect(Self.mode(s, "catalog.csv") & 0o222 == 0 && Self.mode(s, "copy.csv") & 0o222 == 0, "read-only again")
        #expect(try s.dbuild("all", "-n").stdout.contains("Nothing to do"))
    }

    @Test func anInputJudgedByPresenceOnlyNeverMakesAStepStale() throws {
        let s = try Scenario("empty")
        try s.write("Datafile", """
            import Rules
            Rule("Align", over: ["sample": ["s1", "s2"]]) { s in
                s.inputs = [existing("ref/genome.fa"), "reads/\\(s.sample).fq"]
                s.outputs = ["aligned/\\(s.sample).txt"]
                s.recipe = "cat {inputs} > {output}"
            }
            Rule("Count", over: ["sample": ["s1", "s2"]]) { s in
                s.inputs = [existing("ref/genome.fa")] + s.outputs(of: "Align/\\(s.sample)")
                s.outputs = ["counts/\\(s.sample).txt"]
                s.recipe = "wc -c < {input} > {output}"
            }
            .staleness(.hash)
            """)
        try s.write("ref/genome.fa", "ACGT\n")
        try s.write("reads/s1.fq", "r1\n")
        try s.write("reads/s2.fq", "r2\n")
        #expect(try s.dbuild("all").status == 0)
        // Copied again (a new mtime), then changed: neither makes anything stale.
        try s.touch("ref/genome.fa")
        #expect(try s.dbuild("all", "-n").stdout.contains("Nothing to do"))
        try s.write("ref/genome.fa", "ACGTACGT\n")
        try s.touch("ref/genome.fa", secondsAhead: 5)
        #expect(try s.dbuild("all", "-n").stdout.contains("Nothing to do"))
        // An ordinary input beside it still does.
        try s.write("reads/s2.fq", "r2 again\n")
        try s.touch("reads/s2.fq", secondsAhead: 6)
        let next = try s.dbuild("all")
        #expect(Scenario.stepsRun(next) == ["Align/s2", "Count/s2"], "\(next.stdout)")
        // It must still exist.
        try s.remove("ref/genome.fa")
        let missing = try s.dbuild("all", "-n")
        #expect(missing.status == 2 && missing.stderr.contains("ref/genome.fa"), "\(missing.stderr)")
    }
}

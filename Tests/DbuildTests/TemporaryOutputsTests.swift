import Foundation
import Testing

/// Issue 25, item 3: intermediates of `.temporary()` rules are removed once everything that reads
/// them has succeeded, and remade only when a step that reads them must run.
@Suite struct TemporaryOutputsTests {
    /// A → B (temporary) → C, two realizations.
    static let chain = """
        import Rules
        Rule("A", over: ["r": ["r1", "r2"]]) { s in
            s.inputs = ["params/\\(s.r).txt"]
            s.outputs = ["a/\\(s.r).txt"]
            s.recipe = "cat {input} > {output}"
        }
        Rule("B", over: ["r": ["r1", "r2"]]) { s in
            s.inputs = s.outputs(of: "A/\\(s.r)")
            s.outputs = ["b/\\(s.r).txt"]
            s.recipe = "tr a-z A-Z < {input} > {output}"
        }
        .temporary()
        Rule("C", over: ["r": ["r1", "r2"]]) { s in
            s.inputs = s.outputs(of: "B/\\(s.r)")
            s.outputs = ["c/\\(s.r).txt"]
            s.recipe = "cat {input} {input} > {output}"
        }
        .staleness(.hash)
        """

    static func built() throws -> Scenario {
        let s = try Scenario("empty")
        try s.write("Datafile", chain)
        try s.write("params/r1.txt", "one\n")
        try s.write("params/r2.txt", "two\n")
        let build = try s.dbuild("all")
        #expect(build.status == 0, "\(build.stdout)\(build.stderr)")
        #expect(s.read("c/r1.txt") == "ONE\nONE\n")
        #expect(!s.exists("b/r1.txt") && !s.exists("b/r2.txt"), "the temporaries are gone once C read them")
        return s
    }

    @Test func removedTemporariesAreNotRemadeWhileTheirReadersAreUpToDate() throws {
        let s = try Self.built()
        let dry = try s.dbuild("all", "-n")
        #expect(dry.stdout.contains("Nothing to do"), "\(dry.stdout)")
        let verify = try s.dbuild("verify")
        #expect(verify.status == 0, "never counted as missing: \(verify.stdout)")
        #expect(verify.stdout.contains("2 outputs of .temporary() steps: temporary, removed after use"), "\(verify.stdout)")
        let status = try s.dbuild("status")
        #expect(status.stdout.contains("B          2       2       0       0       0       0       0       0"), "built, not missing: \(status.stdout)")
        #expect(status.stdout.contains("Of the built, outputs removed on purpose (temporary, or purged scratch; made again only when "
                                       + "a step that reads them must run): B 2"), "\(status.stdout)")
    }

    /// Every product that is not a temporary, with its bytes and mtime: what must survive.
    static func kept(_ s: Scenario, except: String) throws -> [String: String] {
        try s.treeFingerprint().filter { ($0.key.hasPrefix("a/") || $0.key.hasPrefix("c/")) && !$0.key.contains(except) }
    }

    @Test func aChangedInputRemakesTheTemporaryAndItsReader() throws {
        let s = try Self.built()
        let others = try Self.kept(s, except: "r1")
        try s.write("params/r1.txt", "uno\n")
        let build = try s.dbuild("all")
        #expect(Scenario.stepsRun(build) == ["A/r1", "B/r1", "C/r1"], "\(build.stdout)")
        #expect(s.read("c/r1.txt") == "UNO\nUNO\n")
        #expect(!s.exists("b/r1.txt"), "removed again")
        #expect(try Self.kept(s, except: "r1") == others, "r2's products are byte- and mtime-identical")
        #expect(try s.dbuild("all", "-n").stdout.contains("Nothing to do"))
    }

    @Test func aReaderThatMustRunHasItsTemporaryMadeAgainFirst() throws {
        let s = try Self.built()
        let others = try Self.kept(s, except: "c/r2")
        try s.remove("c/r2.txt")
        let dry = try s.dbuild("all", "-n")
        #expect(dry.stdout.contains("B/r2") && dry.stdout.contains("removed on purpose (temporary, or purged scratch); needed again by C/r2"), "\(dry.stdout)")
        #expect(!dry.stdout.contains("B/r1") && !dry.stdout.contains("A/r2"), "\(dry.stdout)")
        let build = try s.dbuild("all")
        #expect(Scenario.stepsRun(build) == ["B/r2", "C/r2"], "\(build.stdout)")
        #expect(s.read("c/r2.txt") == "TWO\nTWO\n")
        #expect(!s.exists("b/r2.txt"))
        #expect(try Self.kept(s, except: "c/r2") == others, "every other product byte- and mtime-identical, a/r2 included")
    }

    @Test func keepTemporaryKeepsThemForOneBuild() throws {
        let s = try Scenario("empty")
        try s.write("Datafile", Self.chain)
        try s.write("params/r1.txt", "one\n")
        try s.write("params/r2.txt", "two\n")
        #expect(try s.dbuild("all", "--keep-temporary").status == 0)
        #expect(s.read("b/r1.txt") == "ONE\n")
        #expect(try s.dbuild("all").status == 0)
        #expect(!s.exists("b/r1.txt"), "the next build without the flag removes them")
    }
}

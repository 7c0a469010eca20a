import Foundation
import Testing

/// Issue 25, item 2: a folder is a product (`dir`): its tree is its identity, a file missing,
/// added or changed inside makes its step stale with the file named, an identical rebuild cuts off
/// downstream, `verify` names the damage, and it is staged and replaced whole like a file.
@Suite struct FolderProductTests {
    static let datafile = """
        import Rules
        Rule("store", over: ["m": ["a", "b"]]) { s in
            s.outputs = [dir("stores/\\(s.m).zarr")]
            s.recipe = "mkdir -p {output}/c && echo '{\\"zarr_format\\": 3}' > {output}/zarr.json && echo {m} > {output}/c/0"
        }
        .staleness(.hash)
        Rule("use", over: ["m": ["a", "b"]]) { s in
            s.inputs = s.outputs(of: "store/\\(s.m)")
            s.outputs = ["use/\\(s.m).txt"]
            s.recipe = "cat {input}/c/0 > {output}"
        }
        .staleness(.hash)
        """

    static func built() throws -> Scenario {
        let s = try Scenario("empty")
        try s.write("Datafile", datafile)
        let build = try s.dbuild("all")
        #expect(build.status == 0, "\(build.stdout)\(build.stderr)")
        #expect(s.read("stores/a.zarr/c/0") == "a\n" && s.read("use/b.txt") == "b\n")
        #expect(try s.dbuild("all", "-n").stdout.contains("Nothing to do"))
        return s
    }

    @Test func aFileMissingInsideIsNamedAndAnIdenticalRebuildCutsOffDownstream() throws {
        let s = try Self.built()
        let use = try s.treeFingerprint().filter { $0.key.hasPrefix("use/") }
        try s.remove("stores/a.zarr/c/0")
        let dry = try s.dbuild("all", "-n")
        #expect(dry.stdout.contains("store/a  output changed since it was made: stores/a.zarr/ (1 missing: c/0)"), "\(dry.stdout)")
        #expect(!dry.stdout.contains("store/b"), "exactly that step: \(dry.stdout)")
        let verify = try s.dbuild("verify")
        #expect(verify.status == 1 && verify.stdout.contains("stores/a.zarr/: 1 missing: c/0"), "\(verify.stdout)")
        let rebuild = try s.dbuild("all")
        #expect(Scenario.stepsRun(rebuild) == ["store/a"], "the identical folder cuts off use/a: \(rebuild.stdout)")
        #expect(s.read("stores/a.zarr/c/0") == "a\n")
        #expect(try s.treeFingerprint().filter { $0.key.hasPrefix("use/") } == use)
        #expect(try s.dbuild("verify").status == 0)
    }

    @Test func aStrayOrChangedFileIsNamedAndTheRebuildReplacesTheFolderWhole() throws {
        let s = try Self.built()
        try s.write("stores/b.zarr/stray.tmp", "left by hand\n")
        try s.write("stores/a.zarr/zarr.json", "{}\n")
        let dry = try s.dbuild("all", "-n")
        #expect(dry.stdout.contains("stores/b.zarr/ (1 extra: stray.tmp)"), "\(dry.stdout)")
        #expect(dry.stdout.contains("stores/a.zarr/ (1 changed: zarr.json)"), "\(dry.stdout)")
        let verify = try s.dbuild("verify")
        #expect(verify.stdout.contains("stores/b.zarr/: 1 extra: stray.tmp") && verify.stdout.contains("stores/a.zarr/: 1 changed: zarr.json"),
                "\(verify.stdout)")
        #expect(try s.dbuild("all").status == 0)
        #expect(!s.exists("stores/b.zarr/stray.tmp"), "the folder was replaced whole, not merged into")
        #expect(s.read("stores/a.zarr/zarr.json") == "{\"zarr_format\": 3}\n")
        #expect(try s.dbuild("all", "-n").stdout.contains("Nothing to do"))
    }

    /// A rebuild that fails leaves the folder as it was; one written where a folder is declared as a
    /// file is refused; a plain trailing "/" tells how to declare a folder product.
    @Test func aFailedRebuildKeepsTheFolderAndMisdeclarationsAreExplained() throws {
        let s = try Self.built()
        let before = try s.treeFingerprint().filter { $0.key.hasPrefix("stores/") }
        try s.editDatafile(replacing: "&& echo {m} > {output}/c/0\"", with: "&& echo {m} > {output}/c/0 && exit 4\"")
        let failed = try s.dbuild("all", "-k")
        #expect(failed.status == 1)
        #expect(try s.treeFingerprint().filter { $0.key.hasPrefix("stores/") } == before, "both folders byte- and mtime-identical")
        try s.write("Datafile", """
            import Rules
            Rule("A") { s in s.outputs = ["results/"]; s.recipe = "mkdir -p {output}" }
            """)
        let plain = try s.dbuild("all", "-n")
        #expect(plain.status == 2 && plain.stderr.contains("declare a folder product with dir(\"results\")"), "\(plain.stderr)")
    }
}

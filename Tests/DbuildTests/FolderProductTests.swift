import Foundation
import Testing
import TestSupport

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

    /// Under a root that moved: a folder product is found in the old location, moves whole with
    /// `relocate --apply` (one rename), and nothing is made again; its files are never "undeclared".
    @Test func aFolderProductUnderARootMovesWholeWithRelocate() throws {
        let s = try Scenario("empty")
        let old = TemporaryDirectory("dbuild-folder-old"), new = TemporaryDirectory("dbuild-folder-new")
        try s.write("Datafile", """
            import Rules
            let data = Root("data", default: "\(old.path)")
            Rule("store") { s in
                s.outputs = [dir(data["stores/a.zarr"])]
                s.recipe = "mkdir -p {output}/c && echo meta > {output}/zarr.json && echo 1 > {output}/c/0"
            }
            .expect(contains: "zarr.json")
            """)
        #expect(try s.dbuild("all").status == 0)
        let verify = try s.dbuild("verify")
        #expect(verify.status == 0 && !verify.stdout.contains("no step declares"), "\(verify.stdout)")
        let environment = ["DBUILD_ROOT_DATA": "\(new.path):\(old.path)"]
        let dry = try s.run(["relocate"], environment: environment)
        #expect(dry.stdout.contains("would move 1,") && dry.stdout.contains("0 conflicts") && dry.stdout.contains("0 undeclared"), "\(dry.stdout)")
        let applied = try s.run(["relocate", "--apply"], environment: environment)
        #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
        #expect(new.read("stores/a.zarr/c/0") == "1\n" && !FileManager.default.fileExists(atPath: old.path + "/stores/a.zarr"))
        #expect(try s.run(["all", "-n"], environment: ["DBUILD_ROOT_DATA": new.path]).stdout.contains("Nothing to do"))
    }
}

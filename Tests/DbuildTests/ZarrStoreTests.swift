import Foundation
import Testing

/// Issue 25, item 2, with a real format: Zarr stores written by the `zarr` package (installed by
/// scripts/test.sh from PyPI) are folder products with `.expect(contains:)` and `.expect(minFiles:)`.
/// A chunk lost is named, the identical store rewritten cuts off its reader, and a recipe that
/// leaves a store without its `zarr.json` fails and costs nothing.
@Suite struct ZarrStoreTests {
    init() throws {
        try #require(try runTool("/bin/sh", ["-c", "python3 -c 'import zarr'"]).status == 0,
                     "the zarr package is missing: pip install zarr (scripts/test.sh does)")
    }

    /// Two 64×64 stores of 16×16 chunks (16 chunk files and zarr.json each), and a mean read from each.
    static let datafile = """
        import Rules
        Rule("store", over: ["m": [1, 2]]) { s in
            s.outputs = [dir("stores/m\\(s.m).zarr")]
            s.tools = ["write_store.py"]
            s.recipe = "python3 {tool} {output} {m}"
        }
        .staleness(.hash)
        .expect(contains: "zarr.json", "c/")
        .expect(minFiles: 17)
        Rule("mean", over: ["m": [1, 2]]) { s in
            s.inputs = s.outputs(of: "store/\\(s.m)")
            s.tools = ["read_mean.py"]
            s.outputs = ["means/m\\(s.m).txt"]
            s.recipe = "python3 {tool} {input} > {output}"
        }
        .staleness(.hash)
        """

    static let writer = """
        import sys, numpy as np, zarr
        path, m = sys.argv[1], int(sys.argv[2])
        a = zarr.create_array(store=path, shape=(64, 64), chunks=(16, 16), dtype="f8", overwrite=True)
        a[:] = np.arange(64 * 64, dtype="f8").reshape(64, 64) * m
        """

    static let reader = """
        import sys, zarr
        print(float(zarr.open_array(sys.argv[1], mode="r")[:].mean()))
        """

    static func built() throws -> Scenario {
        let s = try Scenario("empty")
        try s.write("Datafile", datafile)
        try s.write("write_store.py", writer)
        try s.write("read_mean.py", reader)
        let build = try s.dbuild("all")
        try #require(build.status == 0, "\(build.stdout)\(build.stderr)")
        #expect(s.read("means/m1.txt") == "2047.5\n" && s.read("means/m2.txt") == "4095.0\n")
        #expect(s.exists("stores/m1.zarr/zarr.json") && s.exists("stores/m2.zarr/c/3/3"))
        #expect(try s.dbuild("all", "-n").stdout.contains("Nothing to do"))
        #expect(try s.dbuild("verify").status == 0)
        return s
    }

    @Test func aLostChunkIsNamedAndTheIdenticalStoreCutsOffItsReader() throws {
        let s = try Self.built()
        let means = try s.treeFingerprint().filter { $0.key.hasPrefix("means/") }
        try s.remove("stores/m2.zarr/c/1/2")
        let dry = try s.dbuild("all", "-n")
        #expect(dry.stdout.contains("store/2  output changed since it was made: stores/m2.zarr/ (1 missing: c/1/2)"), "\(dry.stdout)")
        #expect(!dry.stdout.contains("store/1"), "\(dry.stdout)")
        let verify = try s.dbuild("verify")
        #expect(verify.status == 1 && verify.stdout.contains("stores/m2.zarr/: 1 missing: c/1/2"), "\(verify.stdout)")
        let rebuild = try s.dbuild("all")
        #expect(Scenario.stepsRun(rebuild) == ["store/2"], "the rewritten store is identical: mean/2 is cut off\n\(rebuild.stdout)")
        #expect(try s.treeFingerprint().filter { $0.key.hasPrefix("means/") } == means)
        #expect(s.exists("stores/m2.zarr/c/1/2"))
        #expect(try s.dbuild("verify").status == 0)
    }

    /// A writer that forgets the metadata (or writes too few chunks) fails the step with the
    /// expectation named; the good store it was replacing stays byte- and mtime-identical.
    @Test func aStoreWithoutItsMetadataOrChunksFailsAndKeepsTheGoodOne() throws {
        let s = try Self.built()
        let stores = try s.treeFingerprint().filter { $0.key.hasPrefix("stores/") }
        try s.write("write_store.py", Self.writer + "\nimport os; os.remove(path + '/zarr.json')\n")
        let noMetadata = try s.dbuild("all", "-k")
        #expect(noMetadata.status == 1)
        #expect(noMetadata.stdout.contains("stores/m1.zarr/: no zarr.json inside"), "\(noMetadata.stdout)")
        #expect(try s.treeFingerprint().filter { $0.key.hasPrefix("stores/") } == stores, "the good stores are untouched")

        try s.write("write_store.py", Self.writer + "\nimport shutil; shutil.rmtree(path + '/c/3')\n")
        let fewChunks = try s.dbuild("all", "-k")
        #expect(fewChunks.status == 1)
        #expect(fewChunks.stdout.contains("stores/m2.zarr/: 13 files inside, expected at least 17"), "\(fewChunks.stdout)")
        #expect(try s.treeFingerprint().filter { $0.key.hasPrefix("stores/") } == stores)

        // A store damaged by hand the same way is reported by verify.
        try s.remove("stores/m1.zarr/zarr.json")
        let verify = try s.dbuild("verify", "--missing")
        #expect(verify.status == 1 && verify.stdout.contains("broken   stores/m1.zarr/  (no zarr.json inside)"), "\(verify.stdout)")
    }
}

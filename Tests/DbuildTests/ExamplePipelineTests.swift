import Foundation
import Testing

/// The repository's own Datafile: FFTW fields, MPI lens planes, HDF5 products (dsynth), built for real.
@Suite struct ExamplePipelineTests {
    static let allSteps = 6 + 6 + 6 + 30 + 30 + 3 + 1 + 3

    @Test func pipelineBuildsVerifiesAndItsProductsOpenWithH5dump() throws {
        let s = try Scenario.examplePipeline()
        let build = try s.dbuild("all")
        #expect(build.status == 0, "\(build.stdout)\(build.stderr)")
        #expect(Scenario.stepsRun(build).count == Self.allSteps)
        #expect(try s.dbuild("verify").status == 0)
        let dump = try runTool("/usr/bin/h5dump", ["-H", s.path + "/data/LUX/dmo/r0.h5"])
        #expect(dump.status == 0)
        #expect(dump.output.contains("DATASET \"planes\"") && dump.output.contains("( 4, 64, 64 )"))
        #expect(s.read("data/summary/hydro.csv")?.hasPrefix("k,mean,scatter\n") == true)
        #expect(s.read("data/plots/powerspectra.svg")?.contains("<polyline") == true)
        #expect(Scenario.stepsRun(try s.dbuild("all")).isEmpty)
    }

    @Test func deletingOnePlaneRerunsOnlyItsStepBecauseTheRegeneratedPlaneIsIdentical() throws {
        let s = try Scenario.examplePipeline()
        try s.dbuild("all")
        let before = s.read("data/LUX/hydro/r1.h5")
        try s.remove("data/LP/hydro/r1/plane2.h5")
        let dry = try s.dbuild("all", "-n")
        // Exactly that step for certain; what reads its planes only if they come out changed.
        #expect(dry.stdout.hasPrefix("Plan: 1 of 85 selected steps would run; 14 more only if what they read comes out changed"),
                "\(dry.stdout)")
        #expect(dry.stdout.contains("LP/hydro/r1  missing output: @data/LP/hydro/r1/plane2.h5"), "\(dry.stdout)")
        let build = try s.dbuild("all")
        #expect(Scenario.stepsRun(build) == ["LP/hydro/r1"], "\(build.stdout)")
        #expect(build.stdout.contains("1 run, \(Self.allSteps - 1) up to date"))
        #expect(s.read("data/LUX/hydro/r1.h5") == before)
    }

    @Test func underMtimeTheSameDeletionRerunsEverythingDownstreamAndTheDryRunSaysWhy() throws {
        let s = try Scenario.examplePipeline()
        try s.editDatafile(replacing: ".staleness(.hash)", with: ".staleness(.mtime)")
        try s.dbuild("all")
        try s.remove("data/LP/hydro/r1/plane2.h5")
        let dry = try s.dbuild("all", "-n")
        #expect(dry.stdout.hasPrefix("Plan: 15 of 85 selected steps would run\n"), "\(dry.stdout)")
        #expect(dry.stdout.contains("LUX/hydro/r1  upstream will run: LP/hydro/r1"), "\(dry.stdout)")
        let ran = Scenario.stepsRun(try s.dbuild("all"))
        let runs = (1...5).map { "run00\($0)" }
        #expect(ran == Set(["LP/hydro/r1", "LUX/hydro/r1", "summary/hydro", "plot", "release/hydro"] + runs.flatMap { ["RT/hydro/r1/\($0)", "PS/hydro/r1/\($0)"] }))
    }

    @Test func changingOneModelsSpectrumRebuildsOnlyThatModelsChain() throws {
        let s = try Scenario.examplePipeline()
        try s.dbuild("all")
        let dmo = s.read("data/summary/dmo.csv")
        // The models live in models.csv: changing a value there is what the Datafile sees.
        let table = try #require(s.read("models.csv"))
        #expect(table.contains("hydro,0.8,-2.2"))
        try s.write("models.csv", table.replacingOccurrences(of: "hydro,0.8,-2.2", with: "hydro,0.85,-2.2"))
        let ran = Scenario.stepsRun(try s.dbuild("all"))
        #expect(ran.count == 2 + 2 + 2 + 10 + 10 + 1 + 1 + 1, "\(ran.sorted())")
        #expect(ran.allSatisfy { $0.contains("/hydro") || $0 == "plot" })
        #expect(s.read("data/summary/dmo.csv") == dmo)
        // A model added to the table: its chain and the figure, nothing else.
        try s.write("models.csv", (s.read("models.csv") ?? "") + "wdm,0.7,-2.4\n")
        let added = Scenario.stepsRun(try s.dbuild("all"))
        #expect(added.count == 2 + 2 + 2 + 10 + 10 + 1 + 1 + 1 && added.allSatisfy { $0.contains("/wdm") || $0 == "plot" }, "\(added.sorted())")
        #expect(s.read("data/summary/dmo.csv") == dmo)
    }

    @Test func truncatedHDF5ProductIsReportedBroken() throws {
        let s = try Scenario.examplePipeline()
        try s.dbuild("all")
        let handle = try #require(FileHandle(forWritingAtPath: s.path + "/data/RT/dmo/r0/run003.h5"))
        try handle.truncate(atOffset: 100)
        try handle.close()
        let verify = try s.dbuild("verify", "--missing")
        #expect(verify.status == 1)
        #expect(verify.stdout.contains("broken   @data/RT/dmo/r0/run003.h5  (100 bytes, expected at least 1024)"), "\(verify.stdout)")
        let repair = try s.dbuild("all")
        #expect(Scenario.stepsRun(repair) == ["RT/dmo/r0/run003"], "\(repair.stdout)")
        #expect(try s.dbuild("verify").status == 0)
    }
}

/// dsynth on its own: MPI rank counts, reproducibility, bad input.
@Suite struct DsynthTests {
    static var dsynth: String { (Scenario.executable as NSString).deletingLastPathComponent + "/dsynth" }

    @Test func lensPlanesFromOneAndTwoRanksAreByteIdentical() throws {
        let dir = try Scenario("empty")
        #expect(try runTool(Self.dsynth, ["field", "--size", "32", "--seed", "5", "--out", dir.path + "/f.h5"]).status == 0)
        let one = (0..<4).map { dir.path + "/one\($0).h5" }, two = (0..<4).map { dir.path + "/two\($0).h5" }
        #expect(try runTool(Self.dsynth, ["lensplane", "--field", dir.path + "/f.h5"] + one).status == 0)
        let mpi = try runTool("/usr/bin/mpirun", ["--allow-run-as-root", "--oversubscribe", "-np", "2", Self.dsynth, "lensplane",
                                                 "--field", dir.path + "/f.h5"] + two)
        #expect(mpi.status == 0, "\(mpi.output)")
        for i in 0..<4 {
            let a = FileManager.default.contents(atPath: one[i]), b = FileManager.default.contents(atPath: two[i])
            #expect(a != nil && a == b, "plane \(i)")
        }
    }

    @Test func everySubcommandReproducesItsFileByteForByte() throws {
        let d = try Scenario("empty")
        let p = d.path
        let steps: [[String]] = [
            ["field", "--size", "16", "--seed", "2", "--out", "\(p)/f.h5"],
            ["lensplane", "--field", "\(p)/f.h5", "\(p)/p0.h5", "\(p)/p1.h5"],
            ["convert", "--out", "\(p)/lux.h5", "\(p)/p0.h5", "\(p)/p1.h5"],
            ["raytrace", "--in", "\(p)/lux.h5", "--seed", "run001", "--out", "\(p)/rt.h5"],
            ["powerspec", "--in", "\(p)/rt.h5", "--out", "\(p)/ps.h5"],
            ["summary", "--h5", "\(p)/s.h5", "--csv", "\(p)/s.csv", "\(p)/ps.h5"],
            ["plot", "--out", "\(p)/plot.svg", "\(p)/s.h5"],
        ]
        let products = ["f.h5", "p0.h5", "p1.h5", "lux.h5", "rt.h5", "ps.h5", "s.h5", "s.csv", "plot.svg"]
        for step in steps { #expect(try runTool(Self.dsynth, step).status == 0, "\(step)") }
        let first = products.map { FileManager.default.contents(atPath: "\(p)/\($0)") }
        Thread.sleep(forTimeInterval: 1.1)                  // a timestamp, if one were written, would now differ
        for step in steps { #expect(try runTool(Self.dsynth, step).status == 0) }
        let second = products.map { FileManager.default.contents(atPath: "\(p)/\($0)") }
        for (i, name) in products.enumerated() { #expect(first[i] != nil && first[i] == second[i], "\(name) differs") }
    }

    @Test func missingOrMalformedInputFailsClearlyAndWritesNothing() throws {
        let d = try Scenario("empty")
        try d.write("junk.h5", "not an hdf5 file")
        let missing = try runTool(Self.dsynth, ["raytrace", "--in", "\(d.path)/none.h5", "--seed", "s", "--out", "\(d.path)/out.h5"])
        #expect(missing.status == 1)
        #expect(missing.output.contains("dsynth: error: \(d.path)/none.h5: no such file"))
        let junk = try runTool(Self.dsynth, ["powerspec", "--in", "\(d.path)/junk.h5", "--out", "\(d.path)/out.h5"])
        #expect(junk.status == 1)
        #expect(junk.output.contains("not an HDF5 file"))
        let wrongShape = try runTool(Self.dsynth, ["field", "--size", "8", "--out", "\(d.path)/f.h5"])
        #expect(wrongShape.status == 0)
        let notPlanes = try runTool(Self.dsynth, ["raytrace", "--in", "\(d.path)/f.h5", "--seed", "s", "--out", "\(d.path)/out.h5"])
        #expect(notPlanes.status == 1 && notPlanes.output.contains("has no dataset \"planes\""))
        #expect(!d.exists("out.h5"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: d.path).filter { $0.hasPrefix(".") && $0 != ".keep" }.isEmpty)
    }
}

/// Runs a program to completion; stdout and stderr together.
func runTool(_ path: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    var environment = ProcessInfo.processInfo.environment
    environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
    environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
    process.environment = environment
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

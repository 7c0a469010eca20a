import Foundation
import Testing

/// `dbuild verify` and `dbuild adopt` on the example pipeline's real HDF5 products.
@Suite struct VerifyScenarioTests {
    private func builtPipeline() throws -> Scenario {
        let s = try Scenario.examplePipeline()
        let build = try s.dbuild("all")
        try #require(build.status == 0, "\(build.stdout)\(build.stderr)")
        return s
    }

    private func truncate(_ s: Scenario, _ path: String, to size: UInt64) throws {
        let handle = try #require(FileHandle(forWritingAtPath: s.path + "/" + path))
        try handle.truncate(atOffset: size)
        try handle.close()
    }

    @Test func twoMissingAndOneTruncatedAreReportedInTheirGroupsAndRepaired() throws {
        let s = try builtPipeline()
        try s.remove("data/LP/hydro/r0/plane1.h5")
        try s.remove("data/PS/dmo/r1/run004.h5")
        try truncate(s, "data/LUX/replace/r1.h5", to: 300)
        let table = try s.dbuild("verify", "--missing")
        #expect(table.status == 1)
        try Scenario.expectGolden(table.stdout, "verify-example-damaged.txt")
        let json = try s.dbuild("verify", "--json")
        #expect(json.status == 1)
        try Scenario.expectGolden(json.stdout, "verify-example-damaged.json")
        let parsed = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        #expect(parsed["missing"] as? [String] == ["@data/LP/hydro/r0/plane1.h5", "@data/PS/dmo/r1/run004.h5"])
        #expect((parsed["broken"] as? [[String: String]])?.map { $0["path"] } == ["@data/LUX/replace/r1.h5"])
        let repair = try s.dbuild("all")
        #expect(repair.status == 0)
        #expect(Scenario.stepsRun(repair) == ["LP/hydro/r0", "PS/dmo/r1/run004", "LUX/replace/r1"], "\(repair.stdout)")
        #expect(try s.dbuild("verify").status == 0)
    }

    @Test func structurallyWrongFilesAndUnmetGoalsAreNamed() throws {
        let s = try builtPipeline()
        // A power spectrum where a convergence map should be: no "kappa" dataset.
        try FileManager.default.removeItem(atPath: s.path + "/data/RT/dmo/r0/run002.h5")
        try FileManager.default.copyItem(atPath: s.path + "/data/PS/dmo/r0/run002.h5", toPath: s.path + "/data/RT/dmo/r0/run002.h5")
        // A converted file without its index: a lens plane in its place (right size, wrong content).
        try FileManager.default.removeItem(atPath: s.path + "/data/LUX/hydro/r0.h5")
        try FileManager.default.copyItem(atPath: s.path + "/data/LP/hydro/r0/plane0.h5", toPath: s.path + "/data/LUX/hydro/r0.h5")
        try s.remove("data/RT/replace/r0/run001.h5")
        let verify = try s.dbuild("verify", "--missing", "--by", "rule")
        #expect(verify.status == 1)
        try Scenario.expectGolden(verify.stdout, "verify-example-wrong-structure.txt")
    }

    @Test func missingAttributeAndMissingGroupAreNamed() throws {
        let s = try builtPipeline()
        try s.editDatafile(replacing: ".expectHDF5(.dataset(\"sigma\", shape: [64, 64]), .attribute(\"plane\"))",
                           with: ".expectHDF5(.dataset(\"sigma\", shape: [64, 64]), .attribute(\"plane\"), .attribute(\"redshift\"))")
        try s.editDatafile(replacing: ".dataset(\"index\", dtype: \"int64\"))", with: ".dataset(\"index\", dtype: \"int64\"), .group(\"/meta\"))")
        let verify = try s.dbuild("verify", "--missing", "LP/dmo/r0", "LUX/dmo/r0")
        #expect(verify.status == 1)
        #expect(verify.stdout.contains("broken   @data/LP/dmo/r0/plane0.h5  (no attribute redshift)"), "\(verify.stdout)")
        #expect(verify.stdout.contains("broken   @data/LUX/dmo/r0.h5  (no group /meta)"), "\(verify.stdout)")
        #expect(verify.stdout.contains("Incomplete: 0 missing, 5 broken."), "4 planes and one converted file")
    }

    @Test func productsMadeWithoutDbuildAreUnrecordedUntilAdopted() throws {
        let s = try builtPipeline()
        try FileManager.default.removeItem(atPath: s.path + "/.dbuild")    // as if made by hand, or the state lost
        try truncate(s, "data/RT/hydro/r1/run005.h5", to: 10)
        let before = try s.dbuild("verify", "--json")
        let parsed = try JSONSerialization.jsonObject(with: Data(before.stdout.utf8)) as! [String: Any]
        #expect(parsed["unrecorded_steps"] as? Int == 85 - 1, "every step but the broken one")
        let adopt = try s.dbuild("adopt")
        #expect(adopt.status == 0)
        #expect(adopt.stdout.hasPrefix("Adopted 84 steps; 0 already recorded; 1 not adopted"), "\(adopt.stdout)")
        #expect(adopt.stdout.contains("RT/hydro/r1/run005: @data/RT/hydro/r1/run005.h5: 10 bytes, expected at least 1024"), "\(adopt.stdout)")
        let after = try s.dbuild("all")
        // The map comes back byte-identical, so the summary stays clean; what was adopted reading the
        // truncated map (its spectrum, the model's release folder) runs again.
        #expect(Scenario.stepsRun(after) == ["RT/hydro/r1/run005", "PS/hydro/r1/run005", "release/hydro"], "\(after.stdout)")
        #expect(try s.dbuild("verify").status == 0)
    }
}

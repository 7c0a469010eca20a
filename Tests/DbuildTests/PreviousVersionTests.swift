import Foundation
import Testing
import Rules
import TestSupport

/// Issue 15: a project built by the previous version (its state file and cached graph are committed
/// in Fixtures/previous-version-campaign/previous-version, made by dbuild 0.1.0 before lazy grids)
/// is read unchanged after an upgrade: no step runs again, nothing is rehashed needlessly.
@Suite struct PreviousVersionTests {
    /// The fixture's products with the mtimes they had when the previous version recorded them (a
    /// checkout gives every file the time of the checkout).
    static func restore(_ s: Scenario) throws {
        let folder = s.path + "/previous-version"
        try FileManager.default.createDirectory(atPath: s.path + "/.dbuild", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: folder + "/state.db", toPath: s.path + "/.dbuild/state.db")
        for line in (s.read("previous-version/mtimes.tsv") ?? "").split(separator: "\n") {
            let fields = line.split(separator: "\t")
            let nanos = try #require(Int64(fields[1]))
            var times = [timespec(tv_sec: Int(nanos / 1_000_000_000), tv_nsec: Int(nanos % 1_000_000_000)),
                         timespec(tv_sec: Int(nanos / 1_000_000_000), tv_nsec: Int(nanos % 1_000_000_000))]
            #expect(utimensat(AT_FDCWD, s.path + "/" + fields[0], &times, 0) == 0)
        }
    }

    @Test func recordsMadeByThePreviousVersionAreReadAndNothingRunsAgain() throws {
        let s = try Scenario("previous-version-campaign")
        try Self.restore(s)
        let plan = try s.dbuild("all", "-n", "-v")
        #expect(plan.stdout.contains("Nothing to do: all 21 selected steps are up to date"), "\(plan.stdout)\(plan.stderr)")
        // (A checkout gives new inodes: the aggregate's 20 inputs are hashed again, once, and match.)
        #expect(plan.stdout.contains("Content hashes read: 20 "), "\(plan.stdout)")
        let build = try s.dbuild("all")
        #expect(build.stdout.contains("0 run, 21 up to date"), "\(build.stdout)")
        #expect(try s.dbuild("all", "-n", "-v").stdout.contains("Content hashes read: 0 "), "remembered")
        #expect(try s.dbuild("verify", "-q").status == 0)
        // And the state goes on working: one product lost is one step run, and only that.
        try s.remove("catalogs/r2/mock_s3.txt")
        let repair = try s.dbuild("all")
        #expect(Scenario.stepsRun(repair) == ["mock/2/3"], "its content is the same: the aggregate is cut off: \(repair.stdout)")
    }

    /// The same campaign with its grid written as a pattern rule (which travels to dbuild as a
    /// pattern, not as 20 paths) is the same steps: the previous version's records hold.
    @Test func thePreviousVersionsRecordsHoldWhenTheGridBecomesAPatternRule() throws {
        let s = try Scenario("previous-version-campaign")
        try Self.restore(s)
        try s.editDatafile(replacing: """
            Rule("mock", over: ["r": 0..<4, "s": 0..<5]) { s in
                s.outputs = ["catalogs/r\\(s.r)/mock_s\\(s.s).txt"]
                s.recipe = "echo mock {r} {s} > {output}"
            }
            """, with: """
            Rule("mock", over: ["r": 0..<4, "s": 0..<5], outputs: ["catalogs/r{r}/mock_s{s}.txt"],
                 recipe: "echo mock {r} {s} > {output}")
            """)
        let build = try s.dbuild("all")
        #expect(build.stdout.contains("0 run, 21 up to date"), "\(build.stdout)\(build.stderr)")
        try s.remove("catalogs/r1/mock_s4.txt")
        let repair = try s.dbuild("all")
        #expect(Scenario.stepsRun(repair) == ["mock/1/4"], "\(repair.stdout)")
        #expect(s.read("catalogs/r1/mock_s4.txt") == "mock 1 4\n")
    }

    @Test func aGraphCachedByThePreviousVersionDecodesToTheSameSteps() throws {
        let s = try Scenario("previous-version-campaign")
        let bytes = try #require(FileManager.default.contents(atPath: s.path + "/previous-version/graph.bin"))
        let previous = try GraphDescription.decode(Array(bytes))
        #expect(try s.dbuild("all", "-n").status == 0)
        let entries = try FileManager.default.contentsOfDirectory(atPath: s.path + "/.dbuild/datafile").filter { !$0.hasSuffix(".json") }
        let entry = try #require(entries.first)
        let cached = try #require(FileManager.default.contents(atPath: s.path + "/.dbuild/datafile/" + entry + "/graph.bin"))
        let current = try GraphDescription.decode(Array(cached))
        #expect(previous.stepCount == 21 && current.stepCount == previous.stepCount)
        for step in 0..<previous.stepCount {
            #expect(previous.name(ofStep: step) == current.name(ofStep: step))
            #expect(previous.outputs(ofStep: step).map { previous.strings[Int($0)] } == current.outputs(ofStep: step).map { current.strings[Int($0)] })
            #expect(previous.inputs(ofStep: step).map { previous.strings[Int($0)] } == current.inputs(ofStep: step).map { current.strings[Int($0)] })
        }
    }
}

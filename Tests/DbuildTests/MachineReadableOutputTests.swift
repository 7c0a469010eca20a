import Foundation
import Testing

/// Issue 17: `list --json` and the dry-run plan as JSON, each with its documented schema and a golden
/// file, from a built project with one input made newer and one product deleted.
@Suite struct MachineReadableOutputTests {
    /// The lensing chain built, then src/m1.txt touched (P/m1 stale) and rt/m2/run2.txt deleted.
    static func damagedChain() throws -> Scenario {
        let s = try Scenario("lensing-chain")
        #expect(try s.dbuild("all").status == 0)
        try s.touch("src/m1.txt")
        try s.remove("rt/m2/run2.txt")
        return s
    }

    static func expectKeys(_ object: [String: Any], _ keys: [String], _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for key in keys { #expect(object[key] != nil, "\(what) has \(key)", sourceLocation: sourceLocation) }
    }

    @Test func listJSONFollowsItsSchema() throws {
        let s = try Self.damagedChain()
        let list = try s.dbuild("list", "--json")
        #expect(list.status == 0, "\(list.stderr)")
        let object = try WatchingTests.object(list.stdout)
        #expect(object["schema"] as? String == "dbuild.list/1")
        Self.expectKeys(object, ["steps", "counts", "undeclared"], "the list")
        let steps = object["steps"] as? [[String: Any]] ?? []
        #expect(steps.count == 11)
        for step in steps { Self.expectKeys(step, ["step", "rule", "state"], "a step") }
        let state = Dictionary(uniqueKeysWithValues: steps.map { ($0["step"] as? String ?? "", $0["state"] as? String ?? "") })
        #expect(state["P/m1"] == "stale" && state["R/m2/2"] == "missing" && state["P/m2"] == "built", "\(state)")
        #expect((object["counts"] as? [String: Int])?.values.reduce(0, +) == 11)
        // The text table says the same.
        let text = try s.dbuild("list").stdout
        #expect(text.contains("R/m2/2  missing") && text.contains("P/m1    stale  (input newer: src/m1.txt"), "\(text)")
        try Scenario.expectGolden(list.stdout, "list-lensing-chain.json")
    }

    @Test func dryRunPlanJSONFollowsItsSchema() throws {
        let s = try Self.damagedChain()
        let plan = try s.dbuild("-n", "--json")
        #expect(plan.status == 0, "\(plan.stderr)")
        let object = try WatchingTests.object(plan.stdout)                // nothing but the JSON on stdout
        #expect(object["schema"] as? String == "dbuild.plan/1")
        Self.expectKeys(object, ["selected", "willRun", "onlyIfChanged", "steps"], "the plan")
        let steps = object["steps"] as? [[String: Any]] ?? []
        for step in steps { Self.expectKeys(step, ["step", "rule", "reason", "detail", "onlyIfChanged"], "a step") }
        // P/m1, C/m1, its 3 runs, R/m2/2 and S.
        #expect(steps.map { $0["step"] as? String ?? "" } == ["P/m1", "C/m1", "R/m1/1", "R/m1/2", "R/m1/3", "R/m2/2", "S"], "\(steps)")
        #expect(object["willRun"] as? Int == 7 && object["selected"] as? Int == 11 && object["slurm"] == nil)
        try Scenario.expectGolden(plan.stdout, "plan-lensing-chain.json")
        #expect(try s.dbuild("list").stdout.contains("P/m1    stale"), "a dry run changes nothing")

        // On SLURM: the arrays the plan would submit, their tasks covering every step.
        let slurm = try s.dbuild("-n", "--json", "--backend", "slurm")
        #expect(slurm.status == 0, "\(slurm.stderr)")
        let arrays = try #require((try WatchingTests.object(slurm.stdout)["slurm"] as? [String: Any])?["arrays"] as? [[String: Any]],
                                  "\(slurm.stdout)")
        for array in arrays {
            Self.expectKeys(array, ["index", "name", "tasks", "stepsPerTask", "cpus", "memoryMB", "timeSecondsPerTask",
                                    "afterArrays", "afterJobs"], "an array")
        }
        // Arrays by rule and depth: R/m2/2 needs nothing that runs, so it has an array of its own.
        #expect(arrays.map { $0["name"] as? String ?? "" } == ["dbuild:P", "dbuild:R", "dbuild:C", "dbuild:R", "dbuild:S"], "\(arrays)")
        #expect(arrays.reduce(0) { $0 + ($1["tasks"] as? Int ?? 0) } == 7)
        #expect(Set(arrays.last?["afterArrays"] as? [Int] ?? []) == [1, 3], "S waits for both R arrays")

        let refused = try s.dbuild("all", "--json")
        #expect(refused.status == 2 && refused.stderr.contains("use it with -n"), "\(refused.stderr)")
    }
}

import Testing
import Rules
import Targets
@testable import Backends
import TestSupport

@Suite struct PlanCostTests {
    private func rules() -> [RuleDescription] {
        var lp = RuleDescription(name: "LP", line: 1, parameterNames: [])
        lp.resources.nodes = 8; lp.resources.tasksPerNode = 16; lp.resources.timeSeconds = 6 * 3600
        var rt = RuleDescription(name: "RT", line: 2, parameterNames: [])
        rt.resources.cpus = 40; rt.resources.timeSeconds = 3600
        let free = RuleDescription(name: "free", line: 3, parameterNames: [])
        return [lp, rt, free]
    }

    @Test func requestedCoreAndNodeHoursFollowTheScriptsRequests() {
        let arrays = [JobArray(index: 0, rule: 0, tasks: [[0], [1]], dependencies: [], externalJobIDs: []),
                      JobArray(index: 1, rule: 1, tasks: [[2, 3], [4]], dependencies: [], externalJobIDs: [])]
        let rules = rules()
        let cost = PlanCost(arrays: arrays, rules: rules, resources: { rules[$0.rule].resources }, expected: ["RT": 1800])
        // LP: 2 tasks × 6 h × 128 cores; 2 tasks × 8 nodes × 6 h.
        #expect(cost.rules[0] == PlanCost.Rule(name: "LP", steps: 2, requestedCoreHours: 1536, nodeHours: 96, expectedCoreHours: nil))
        // RT: bundles of 2 ask 2 h each: 2 tasks × 2 h × 40 cores; expected 3 steps × 0.5 h × 40.
        #expect(cost.rules[1] == PlanCost.Rule(name: "RT", steps: 3, requestedCoreHours: 160, nodeHours: nil, expectedCoreHours: 60))
        #expect(cost.requestedCoreHours == 1696 && cost.nodeHours == 96 && cost.expectedCoreHours == 60)
        #expect(cost.text.contains("total"))
    }

    @Test func aRuleWithoutATimeLimitHasNoKnownRequest() {
        let arrays = [JobArray(index: 0, rule: 2, tasks: [[0]], dependencies: [], externalJobIDs: [])]
        let rules = rules()
        let cost = PlanCost(arrays: arrays, rules: rules, resources: { rules[$0.rule].resources }, expected: [:])
        #expect(cost.rules[0].requestedCoreHours == nil)
        #expect(cost.text.contains("no time limit declared"))
    }

    @Test func aPlanAboveTheCoreHourBudgetIsRefused() throws {
        var f = GraphFixture()
        f.rule("RT", parameters: ["i"]) { $0.resources.cpus = 40; $0.resources.timeSeconds = 24 * 3600 }
        for i in 0..<10 { f.step("RT", ["\(i)"], outputs: ["rt/\(i)"]) }
        let graph = try f.graph()
        let context = SubmissionContext(id: "S", projectRoot: "/p", folder: "/p/s", dbuild: "/d")
        let jobs = SlurmSubmitter.jobs(for: graph.topologicalOrder, in: graph)
        #expect(throws: SlurmPlanError.self) {
            try SlurmSubmitter(graph: graph, jobs: jobs, limits: SlurmLimits(), context: context, maxCoreHours: 9000)
        }
        let fits = try SlurmSubmitter(graph: graph, jobs: jobs, limits: SlurmLimits(), context: context, maxCoreHours: 9600)
        #expect(fits.cost.requestedCoreHours == 9600)
    }
}

import Foundation
import Testing
import Rules
import Targets
@testable import Backends
import TestSupport

/// The lensing recovery of issue 12: 216 planes lost across 79 realizations. LP (8 nodes × 16
/// tasks, 6 h) and LUX (40 cpus, 2 h) once per realization, RT (40 cpus, 24 h) 100 per realization.
private func lensingRecovery() throws -> Graph {
    var f = GraphFixture()
    f.rule("LP", parameters: ["r"]) { $0.resources.nodes = 8; $0.resources.tasksPerNode = 16; $0.resources.timeSeconds = 6 * 3600 }
    f.rule("LUX", parameters: ["r"]) { $0.resources.cpus = 40; $0.resources.timeSeconds = 2 * 3600 }
    f.rule("RT", parameters: ["r", "run"]) { $0.resources.cpus = 40; $0.resources.timeSeconds = 24 * 3600 }
    for r in 0..<79 {
        f.step("LP", ["\(r)"], outputs: ["lp/\(r)/plane"])
        f.step("LUX", ["\(r)"], inputs: ["lp/\(r)/plane"], outputs: ["lux/\(r)"])
        for run in 0..<100 { f.step("RT", ["\(r)", "\(run)"], inputs: ["lux/\(r)"], outputs: ["rt/\(r)/\(run)"]) }
    }
    return try f.graph()
}

/// `n` independent steps of one rule, each with the given time limit.
private func campaign(_ n: Int, seconds: Int) throws -> Graph {
    var f = GraphFixture()
    f.rule("mock", parameters: ["i"]) { $0.resources.timeSeconds = seconds }
    for i in 0..<n { f.step("mock", ["\(i)"], outputs: ["c/\(i)"]) }
    return try f.graph()
}

private func taskSeconds(_ array: JobArray, _ graph: Graph) -> Int {
    graph.description.rules[array.rule].resources.timeSeconds * array.stepsPerTask
}

@Suite struct TimeAwarePlanningTests {
    let partition48h = ["batch": PartitionLimits(maxTime: 48 * 3600)]

    @Test func theLensingRecoveryUnderA48HourMaxTimeBundlesNoLongStep() throws {
        let graph = try lensingRecovery()
        let limits = SlurmLimits(partitions: partition48h, defaultPartition: "batch")
        let arrays = try ArrayPlanner.plan(graph: graph, steps: graph.topologicalOrder, limits: limits)
        #expect(arrays.allSatisfy { taskSeconds($0, graph) <= 48 * 3600 }, "no task asks more than the partition allows")
        for array in arrays where ["LP", "RT"].contains(graph.description.rules[array.rule].name) {
            #expect(array.stepsPerTask == 1, "\(graph.description.rules[array.rule].name) steps are long: never bundled")
        }
        #expect(arrays.reduce(0) { $0 + $1.stepCount } == 79 + 79 + 7900)
    }

    @Test func aCampaignOfFiveMinuteStepsFitsAPerUserLimitOfAThousandJobs() throws {
        let graph = try campaign(40_000, seconds: 300)
        let limits = SlurmLimits(maxSubmitJobs: 1000)
        let arrays = try ArrayPlanner.plan(graph: graph, steps: graph.topologicalOrder, limits: limits)
        #expect(arrays.reduce(0) { $0 + $1.tasks.count } <= 1000)
        #expect(arrays.allSatisfy { taskSeconds($0, graph) <= limits.bundleTime }, "every bundle within the time target")
        #expect(arrays.reduce(0) { $0 + $1.stepCount } == 40_000)
    }

    @Test func aMillionTenSecondStepsBecomeBundlesWithinTheTarget() throws {
        let graph = try campaign(1_000_000, seconds: 10)
        let arrays = try ArrayPlanner.plan(graph: graph, steps: graph.topologicalOrder, limits: SlurmLimits())
        #expect(arrays.reduce(0) { $0 + $1.tasks.count } <= 5000)
        #expect(arrays.allSatisfy { taskSeconds($0, graph) <= 4 * 3600 })
    }

    @Test func aStepLongerThanThePartitionAllowsIsRefusedNamingTheRule() throws {
        let graph = try campaign(3, seconds: 72 * 3600)
        let limits = SlurmLimits(partitions: partition48h, defaultPartition: "batch")
        #expect { try ArrayPlanner.plan(graph: graph, steps: graph.topologicalOrder, limits: limits) } throws: { error in
            "\(error)".contains("rule mock") && "\(error)".contains("MaxTime of 2-00:00:00")
        }
    }

    @Test func smallRulesAreNotBundledWhenALargeOneCanBe() {
        let sizes = ArrayPlanner.bundleSizes([.init(count: 79, requested: 0, cap: 1, requestedCap: .max),
                                              .init(count: 40_000, requested: 0, cap: 48, requestedCap: .max)], budget: 1000)
        #expect(sizes[0] == 1)
        #expect(79 + (40_000 + sizes[1] - 1) / sizes[1] <= 1000)
    }

    @Test func limitsComeFromThePartitionsAndTheDefaultsFileOverrides() throws {
        let text = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/slurm/scontrol-show-partition.txt"), encoding: .utf8)
        var limits = SlurmLimits()
        limits.read(showPartitions: text)
        #expect(limits.defaultPartition == "debug")
        #expect(limits.partition(nil).maxTime == nil, "debug: MaxTime=UNLIMITED")
        #expect(limits.partition("urgent") == PartitionLimits(maxTime: 48 * 3600, defaultTime: 3600, maxNodes: 4))
        limits.apply(MachineDefaults.parse("slurm.maxSubmitJobs = 500\nslurm.maxTime = 12:00:00\nslurm.bundleTime = 1h\n"), file: "defaults")
        #expect(limits.maxSubmitJobs == 500 && limits.taskBudget == 500)
        #expect(limits.partition("urgent").maxTime == 12 * 3600 && limits.partition(nil).maxTime == 12 * 3600)
        #expect(limits.bundleTime == 3600)
        #expect(limits.describedLines.contains("MaxSubmitJobs 500 (defaults)"), "\(limits.describedLines)")
    }

    @Test func aBundleCountsOnRecordedRunsNeverAboveTheDeclaredLimit() throws {
        // Declared 3 h per step, but 200 recorded runs took 2 to 4 minutes.
        let graph = try campaign(40_000, seconds: 3 * 3600)
        let history = RuleHistory(durations: (0..<200).map { 120 + Double($0) * 0.6 })!
        #expect(history.safeSeconds == Int((1.5 * (120 + 189 * 0.6)).rounded(.up)), "1.5 × the 95th percentile")
        let learned = try ArrayPlanner.plan(graph: graph, steps: graph.topologicalOrder, limits: SlurmLimits(), history: ["mock": history])
        let declared = try ArrayPlanner.plan(graph: graph, steps: graph.topologicalOrder, limits: SlurmLimits())
        #expect(declared.reduce(0) { $0 + $1.tasks.count } == 40_000, "3-hour steps are not bundled on their declaration (they go in waves)")
        #expect(learned.reduce(0) { $0 + $1.tasks.count } <= 5000, "bundled on what they took")
        #expect(learned.allSatisfy { ($0.stepSeconds ?? 0) == history.safeSeconds && $0.stepSeconds! * $0.stepsPerTask <= 4 * 3600 })
        let context = SubmissionContext(id: "S", projectRoot: "/p", folder: "/p/s", dbuild: "/d")
        let script = SbatchScript.text(learned[0], rule: graph.description.rules[0], resources: graph.description.rules[0].resources,
                                       context: context)
        #expect(script.contains("--time=\(SbatchScript.slurmTime(history.safeSeconds * learned[0].stepsPerTask))"))
        // After a TIMEOUT the declared limit (escalated) is used again.
        let escalated = Dictionary(uniqueKeysWithValues: graph.topologicalOrder.prefix(10).map { ($0, Escalation(time: 1)) })
        let again = try ArrayPlanner.plan(graph: graph, steps: Array(graph.topologicalOrder.prefix(10)), limits: SlurmLimits(),
                                          escalation: escalated, history: ["mock": history])
        #expect(again.allSatisfy { $0.stepSeconds == nil })
    }

    @Test func historyLeavesOutUntimedRecords() {
        let records = ["mock/1": StepRecord(signature: 1, finishedAt: 1, duration: 10), "mock/2": StepRecord(signature: 1, finishedAt: 1, duration: 0),
                       "other/1": StepRecord(signature: 1, finishedAt: 1, duration: 0)]
        let history = RuleHistory.of(records)
        #expect(history["mock"] == RuleHistory(runs: 1, meanSeconds: 10, safeSeconds: 15))
        #expect(history["other"] == nil)
    }

    @Test func aFarmAsksForItsParallelStepsTogetherAndRunsThemInRounds() throws {
        var f = GraphFixture()
        f.rule("F", parameters: ["i"]) { rule in
            rule.resources.cpus = 2; rule.resources.memoryMB = 1000; rule.resources.timeSeconds = 600
            rule.batch.stepsPerTask = 8; rule.batch.parallel = 4
        }
        for i in 0..<16 { f.step("F", ["\(i)"], outputs: ["f/\(i)"]) }
        let graph = try f.graph()
        let arrays = try ArrayPlanner.plan(graph: graph, steps: graph.topologicalOrder, limits: SlurmLimits())
        #expect(arrays.count == 1 && arrays[0].tasks.count == 2 && arrays[0].parallel == 4)
        let context = SubmissionContext(id: "S", projectRoot: "/p", folder: "/p/s", dbuild: "/d")
        let script = SbatchScript.text(arrays[0], rule: graph.description.rules[0], resources: graph.description.rules[0].resources, context: context)
        #expect(script.contains("--cpus-per-task=8\n") && script.contains("--mem=4000M\n"), "\(script)")
        #expect(script.contains("--time=00:20:00\n"), "8 steps in rounds of 4: 2 × 10 minutes")
        var mpi = GraphFixture()
        mpi.rule("M", parameters: ["i"]) { $0.resources.nodes = 2; $0.batch.parallel = 4 }
        mpi.step("M", ["0"], outputs: ["m"])
        let mpiGraph = try mpi.graph()
        #expect(throws: SlurmPlanError.self) { try ArrayPlanner.plan(graph: mpiGraph, steps: mpiGraph.topologicalOrder, limits: SlurmLimits()) }
    }
}

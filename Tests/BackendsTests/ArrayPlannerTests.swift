import Testing
import Rules
import Targets
@testable import Backends
import TestSupport

/// The lensing shape, small: LP (one per model×realization) → LUX (one per LP, 1:1) → RT (10 per LUX).
private func lensing(models: Int = 3, reals: Int = 2, runs: Int = 10) throws -> Graph {
    var f = GraphFixture()
    f.rule("LP", parameters: ["m", "r"]); f.rule("LUX", parameters: ["m", "r"]); f.rule("RT", parameters: ["m", "r", "run"])
    for m in 0..<models { for r in 0..<reals {
        f.step("LP", ["\(m)", "\(r)"], outputs: (0..<4).map { "lp/\(m)/\(r)/\($0)" })
    } }
    for m in 0..<models { for r in 0..<reals {
        f.step("LUX", ["\(m)", "\(r)"], inputs: (0..<4).map { "lp/\(m)/\(r)/\($0)" }, outputs: ["lux/\(m)/\(r)"])
        for run in 0..<runs { f.step("RT", ["\(m)", "\(r)", "\(run)"], inputs: ["lux/\(m)/\(r)"], outputs: ["rt/\(m)/\(r)/\(run)"]) }
    } }
    return try f.graph()
}

private func campaign(realizations: Int, snapshots: Int) throws -> Graph {
    var f = GraphFixture()
    f.rule("mock", parameters: ["r", "s"])
    for r in 0..<realizations { for s in 0..<snapshots { f.step("mock", ["\(r)", "\(s)"], outputs: ["c/\(r)/\(s).h5"]) } }
    return try f.graph()
}

@Suite struct ArrayPlannerTests {
    @Test func stagesBecomeArraysChainedWithAftercorrWhereTasksCorrespond() throws {
        let graph = try lensing()
        let arrays = try ArrayPlanner.plan(graph: graph, steps: graph.topologicalOrder, limits: SlurmLimits())
        #expect(arrays.map { graph.description.rules[$0.rule].name } == ["LP", "LUX", "RT"])
        #expect(arrays.map(\.tasks.count) == [6, 6, 60])
        #expect(arrays[0].dependencies == [])
        #expect(arrays[1].dependencies == [.afterCorresponding(0)])
        #expect(arrays[2].dependencies == [.afterAny(1)])
        // Task i of LUX needs exactly task i of LP.
        for i in 0..<6 {
            #expect(graph.dependencies(of: Int(arrays[1].tasks[i][0])).elementsEqual([arrays[0].tasks[i][0]]))
        }
    }

    @Test func campaignOf40000StepsFitsHalfTheJobLimitInFewArrays() throws {
        let graph = try campaign(realizations: 2000, snapshots: 20)
        let arrays = try ArrayPlanner.plan(graph: graph, steps: graph.topologicalOrder, limits: SlurmLimits())
        let tasks = arrays.reduce(0) { $0 + $1.tasks.count }
        #expect(arrays.count <= 50)
        #expect(tasks <= 5000)
        #expect(arrays.allSatisfy { $0.tasks.count <= 1001 })
        #expect(arrays.reduce(0) { $0 + $1.stepCount } == 40_000)
        #expect(arrays.map(\.stepsPerTask) == Array(repeating: 8, count: arrays.count))
        #expect(Set(arrays.flatMap { $0.tasks.flatMap { $0 } }).count == 40_000)
    }

    @Test func smallMaxArraySizeSplitsAndSmallJobCountBundles() throws {
        let graph = try lensing(runs: 5)         // 6 LP, 6 LUX, 30 RT = 42 steps
        let split = try ArrayPlanner.plan(graph: graph, steps: graph.topologicalOrder, limits: SlurmLimits(maxArraySize: 11, maxJobCount: 10_000))
        #expect(split.allSatisfy { $0.tasks.count <= 11 })
        #expect(split.filter { graph.description.rules[$0.rule].name == "RT" }.map(\.tasks.count) == [11, 11, 8])
        let bundled = try ArrayPlanner.plan(graph: graph, steps: graph.topologicalOrder, limits: SlurmLimits(maxArraySize: 11, maxJobCount: 40))
        let tasks = bundled.reduce(0) { $0 + $1.tasks.count }
        #expect(tasks <= 20)
        #expect(bundled.reduce(0) { $0 + $1.stepCount } == 42)
        #expect(bundled.allSatisfy { $0.tasks.count <= 11 })
    }

    @Test func bundleSizesRespectTheBudgetAndTheRulesOwnSetting() {
        #expect(ArrayPlanner.bundleSizes(groups: [(40_000, 0)], budget: 5000) == [8])
        #expect(ArrayPlanner.bundleSizes(groups: [(100, 0), (10, 0)], budget: 5000) == [1, 1])
        #expect(ArrayPlanner.bundleSizes(groups: [(100, 4), (10, 0)], budget: 5000) == [4, 1])
        let sizes = ArrayPlanner.bundleSizes(groups: [(7, 0), (7, 0), (7, 0)], budget: 4)
        #expect(zip([7, 7, 7], sizes).reduce(0) { $0 + ($1.0 + $1.1 - 1) / $1.1 } <= 4)
    }

    @Test func stepsOfOneRuleAtDifferentDepthsGoInSeparateArrays() throws {
        var f = GraphFixture()
        f.rule("A", parameters: ["i"])
        f.step("A", ["1"], outputs: ["a1"])
        f.step("A", ["2"], inputs: ["a1"], outputs: ["a2"])
        let graph = try f.graph()
        let arrays = try ArrayPlanner.plan(graph: graph, steps: graph.topologicalOrder, limits: SlurmLimits())
        #expect(arrays.count == 2)
        #expect(arrays[1].dependencies == [.afterCorresponding(0)])
    }

    @Test func dependenciesOnStepsStillQueuedBecomeAfteranyOnTheirJobs() throws {
        let graph = try lensing(models: 1, reals: 1, runs: 2)
        let rts = graph.topologicalOrder.filter { graph.rule(of: Int($0)).name == "RT" }
        let lux = graph.step(named: "LUX/0/0")!
        let arrays = try ArrayPlanner.plan(graph: graph, steps: rts, limits: SlurmLimits(), inFlight: [Int32(lux): "4242"])
        #expect(arrays.count == 1)
        #expect(arrays[0].externalJobIDs == ["4242"])
        #expect(SbatchScript.dependencyFlag(arrays[0], jobIDs: [:]) == "--dependency=afterany:4242")
    }

    @Test func escalatedStepsGetTheirOwnArrayWithScaledLimits() throws {
        var f = GraphFixture()
        f.rule("T", parameters: ["i"]) { rule in
            rule.resources.timeSeconds = 60
            rule.resources.memoryMB = 1000
            rule.batch.timeFactor = 2
            rule.batch.memoryFactor = 1.5
        }
        f.step("T", ["1"], outputs: ["t1"]); f.step("T", ["2"], outputs: ["t2"])
        let graph = try f.graph()
        let arrays = try ArrayPlanner.plan(graph: graph, steps: graph.topologicalOrder, limits: SlurmLimits(),
                                       escalation: [1: Escalation(time: 2, memory: 1)])
        #expect(arrays.count == 2)
        let resources = arrays[1].escalation.apply(to: graph.description.rules[0])
        #expect(resources.timeSeconds == 240)
        #expect(resources.memoryMB == 1500)
    }
}

@Suite struct SbatchScriptTests {
    @Test func scriptCarriesTheRulesResourcesAndCallsBackIntoDbuild() throws {
        var f = GraphFixture()
        f.rule("LP", parameters: ["m"]) { rule in
            rule.resources = Resources()
            rule.resources.cpus = 4
            rule.resources.memoryMB = 65536
            rule.resources.timeSeconds = 6 * 3600
            rule.resources.nodes = 8
            rule.resources.tasksPerNode = 16
            rule.resources.partition = "gen"
            rule.resources.account = "astro"
            rule.resources.qos = "normal"
            rule.resources.constraint = "skylake"
            rule.resources.extraFlags = ["--exclusive"]
            rule.batch.throttle = 20
            rule.batch.requeue = true
            rule.batch.appendOutput = true
        }
        f.step("LP", ["a"], outputs: ["a"]); f.step("LP", ["b"], outputs: ["b"])
        let graph = try f.graph()
        let array = JobArray(index: 3, rule: 0, tasks: [[0], [1]], dependencies: [.afterCorresponding(1), .afterAny(2)],
                             externalJobIDs: [])
        let context = SubmissionContext(id: "S1", projectRoot: "/proj", folder: "/proj/.dbuild/slurm/S1", dbuild: "/opt/dbuild/bin/dbuild")
        let text = SbatchScript.text(array, rule: graph.description.rules[0], resources: graph.description.rules[0].resources, context: context)
        #expect(text == """
            #!/bin/bash
            # dbuild submission S1, array 3: rule LP, 2 steps in 2 tasks
            # waits for array 1 (aftercorr: task i after its task i), array 2 (afterany: all of it has ended; each step checks what it needs); submit.sh passes --dependency
            #SBATCH --job-name=dbuild:LP
            #SBATCH --array=0-1%20
            #SBATCH --chdir=/proj
            #SBATCH --output=logs/LP/slurm-%A_%a.out
            #SBATCH --error=logs/LP/slurm-%A_%a.out
            #SBATCH --kill-on-invalid-dep=yes
            #SBATCH --nodes=8
            #SBATCH --ntasks-per-node=16
            #SBATCH --cpus-per-task=4
            #SBATCH --mem=65536M
            #SBATCH --time=06:00:00
            #SBATCH --partition=gen
            #SBATCH --account=astro
            #SBATCH --qos=normal
            #SBATCH --constraint=skylake
            #SBATCH --requeue
            #SBATCH --open-mode=append
            #SBATCH --exclusive

            export DBUILD_SLURM_OUTPUT_DIR=/proj/logs/LP
            exec /opt/dbuild/bin/dbuild exec /proj/.dbuild/slurm/S1 3 "$SLURM_ARRAY_TASK_ID"

            """)
        #expect(SbatchScript.dependencyFlag(array, jobIDs: [1: "101", 2: "102"]) == "--dependency=aftercorr:101,afterany:102")
    }

    @Test func bundledTaskGetsTheSumOfItsStepsTimeLimits() throws {
        var f = GraphFixture()
        f.rule("R", parameters: ["i"]) { $0.resources.timeSeconds = 3600 }
        for i in 0..<3 { f.step("R", ["\(i)"], outputs: ["\(i)"]) }
        let graph = try f.graph()
        let array = JobArray(index: 0, rule: 0, tasks: [[0, 1, 2]], dependencies: [], externalJobIDs: [])
        let context = SubmissionContext(id: "S", projectRoot: "/p", folder: "/p/s", dbuild: "/d")
        #expect(SbatchScript.text(array, rule: graph.description.rules[0], resources: graph.description.rules[0].resources,
                                  context: context).contains("#SBATCH --time=03:00:00\n"))
    }

    @Test func slurmTimes() {
        #expect(SbatchScript.slurmTime(59) == "00:00:59")
        #expect(SbatchScript.slurmTime(6 * 3600) == "06:00:00")
        #expect(SbatchScript.slurmTime(86400 + 3661) == "1-01:01:01")
    }

    @Test func submitScriptChainsTheArraysInOrder() throws {
        let arrays = [JobArray(index: 0, rule: 0, tasks: [[0]], dependencies: [], externalJobIDs: []),
                      JobArray(index: 1, rule: 1, tasks: [[1]], dependencies: [.afterCorresponding(0)], externalJobIDs: ["77"])]
        let rules = [RuleDescription(name: "A", line: 1, parameterNames: []), RuleDescription(name: "B", line: 2, parameterNames: [])]
        let text = SbatchScript.submitScript(arrays, rules: rules)
        #expect(text.contains("a0=$(sbatch --parsable array-0-A.sbatch | cut -d';' -f1)\n"))
        #expect(text.contains("a1=$(sbatch --parsable --dependency=aftercorr:$a0,afterany:77 array-1-B.sbatch | cut -d';' -f1)\n"))
    }
}

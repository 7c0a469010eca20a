import Rules
import Targets

/// How one job array waits for another.
public enum ArrayDependency: Equatable, Sendable {
    /// The whole upstream array must have ended, however it ended: each task then checks that the
    /// steps it needs succeeded, so one failure blocks only what needs it.
    case afterAny(Int)
    /// Task i waits only for task i of the upstream array to succeed (work flows stage to stage).
    /// Used only where that task is exactly the one step task i needs, so the scheduler's
    /// cancelling task i after a failure blocks nothing else.
    case afterCorresponding(Int)

    public var upstream: Int {
        switch self {
        case .afterAny(let a), .afterCorresponding(let a): return a
        }
    }
}

/// One sbatch submission: a job array of one rule whose task i runs the steps in `tasks[i]`.
public struct JobArray: Equatable, Sendable {
    public var index: Int
    public var rule: Int
    public var tasks: [[Int32]]
    public var dependencies: [ArrayDependency]
    /// Job ids of arrays submitted earlier and still queued or running that this one needs (afterany).
    public var externalJobIDs: [String]
    /// How many times this array's time and memory have been scaled up after TIMEOUT / OUT_OF_MEMORY.
    public var escalation = Escalation()
    /// Seconds per step a bundle asks for when recorded runs show the rule's declared limit is
    /// generous (nil: the declared limit).
    public var stepSeconds: Int? = nil
    /// A task farm: each task asks for this many times a step's cpus and memory and runs this many
    /// of its steps at once.
    public var parallel = 1

    /// The time limit one task asks for: its steps in rounds of `parallel`.
    public func taskSeconds(declared: Int) -> Int {
        (stepSeconds ?? declared) * ((stepsPerTask + parallel - 1) / max(1, parallel))
    }

    public var stepCount: Int { tasks.reduce(0) { $0 + $1.count } }
    public var stepsPerTask: Int { tasks.map(\.count).max() ?? 0 }
}

/// A plan SLURM would refuse: a step longer than its partition allows, a farm of MPI steps. (A plan
/// with more tasks than may be queued goes in waves: `Waves`.)
public struct SlurmPlanError: Error, CustomStringConvertible {
    public let description: String
}

/// Turns a plan into job arrays: grouped by rule and by depth in the plan (so an array never waits
/// on itself and arrays form a DAG), bundled only where it helps and time allows, split so no
/// array's highest index reaches MaxArraySize, and chained with afterany — or aftercorr where task i
/// needs only task i upstream and that task is one step.
///
/// Bundling: each rule is bundled on its own, the largest first, until the plan fits the task
/// budget (half of MaxJobCount, and the user's MaxSubmitJobs); a bundle asks for the sum of its
/// steps' time limits, which never passes the bundle-time target nor the partition's MaxTime, so a
/// step whose own limit is long (half the target or more) is never bundled.
public enum ArrayPlanner {
    public static func plan(graph: Graph, steps: [Int32], limits: SlurmLimits,
                            inFlight: [Int32: String] = [:], escalation: [Int32: Escalation] = [:],
                            defaults: MachineDefaults = MachineDefaults(), history: [String: RuleHistory] = [:]) throws -> [JobArray] {
        guard !steps.isEmpty else { return [] }
        var planned = [Bool](repeating: false, count: graph.stepCount)
        for s in steps { planned[Int(s)] = true }

        // Depth within the plan: steps of one rule at one depth never need each other.
        var depth = [Int32](repeating: 0, count: graph.stepCount)
        var groupKeys: [GroupKey] = []
        var groups: [GroupKey: [Int32]] = [:]
        for s in steps {
            let d = graph.dependencies(of: Int(s)).filter { planned[Int($0)] }.map { depth[Int($0)] + 1 }.max() ?? 0
            depth[Int(s)] = d
            let key = GroupKey(depth: d, rule: Int(graph.description.stepRule[Int(s)]), escalation: escalation[s] ?? Escalation())
            if groups[key] == nil { groupKeys.append(key) }
            groups[key, default: []].append(s)
        }
        groupKeys.sort { ($0.depth, $0.rule, $0.escalation.time, $0.escalation.memory)
            < ($1.depth, $1.rule, $1.escalation.time, $1.escalation.memory) }

        let shapes = try groupKeys.map { key -> GroupShape in
            let rule = graph.description.rules[key.rule]
            let resources = defaults.apply(to: key.escalation.apply(to: rule))
            let partition = limits.partition(resources.partition)
            let step = resources.timeSeconds
            if step > 0, let maxTime = partition.maxTime, step > maxTime {
                throw SlurmPlanError(description: "rule \(rule.name) (Datafile:\(rule.line)) asks \(SbatchScript.slurmTime(step)) per step, "
                    + "more than the \(resources.partition ?? limits.defaultPartition ?? "default") partition's MaxTime of "
                    + "\(SbatchScript.slurmTime(maxTime)); lower its .resources(time:) or send it to a partition that allows it "
                    + "(.resources(partition:), or slurm.partition in the defaults file)")
            }
            // A bundle may count on what recorded runs took (never more than declared; not after a TIMEOUT).
            let learned = key.escalation.time == 0 ? history[rule.name].map { min(step, $0.safeSeconds) } : nil
            let bundled = step > 0 ? learned ?? step : step
            let parallel = rule.batch.parallel
            if parallel > 1 && Launch.taskCount(resources) > 1 {
                throw SlurmPlanError(description: "rule \(rule.name) (Datafile:\(rule.line)) is a task farm (.slurm(parallel: \(parallel))) "
                    + "of MPI steps; a farm runs single-node, single-task steps side by side, so drop parallel or the rule's tasks")
            }
            func rounds(_ cap: Int) -> Int { cap == .max ? .max : cap * parallel }      // a farm runs `parallel` per round
            return GroupShape(count: groups[key]!.count, requested: rule.batch.stepsPerTask,
                              cap: rounds(timeCap(step: bundled, target: limits.bundleTime, maxTime: partition.maxTime)),
                              requestedCap: rounds(bundled > 0 ? partition.maxTime.map { max(1, $0 / bundled) } ?? .max : .max),
                              stepSeconds: bundled < step ? bundled : nil)
        }
        let bundle = bundleSizes(shapes, budget: limits.taskBudget)
        var arrays: [JobArray] = []
        var arrayOf = [Int32](repeating: -1, count: graph.stepCount)
        var taskOf = [Int32](repeating: -1, count: graph.stepCount)
        for (g, key) in groupKeys.enumerated() {
            let members = groups[key]!.sorted()          // declaration order: aligns corresponding stages
            let tasks = stride(from: 0, to: members.count, by: bundle[g]).map {
                Array(members[$0..<min($0 + bundle[g], members.count)])
            }
            for start in stride(from: 0, to: tasks.count, by: max(1, limits.maxArraySize)) {
                let slice = Array(tasks[start..<min(start + limits.maxArraySize, tasks.count)])
                let index = arrays.count
                for (t, task) in slice.enumerated() {
                    for s in task { arrayOf[Int(s)] = Int32(index); taskOf[Int(s)] = Int32(t) }
                }
                arrays.append(JobArray(index: index, rule: key.rule, tasks: slice, dependencies: [], externalJobIDs: [],
                                       escalation: key.escalation, stepSeconds: bundle[g] > 1 ? shapes[g].stepSeconds : nil,
                                       parallel: min(graph.description.rules[key.rule].batch.parallel, bundle[g])))
            }
        }
        for a in arrays.indices {
            var corresponds: [Int: Bool] = [:]
            var external = Set<String>()
            for (t, task) in arrays[a].tasks.enumerated() {
                for s in task {
                    for d in graph.dependencies(of: Int(s)) {
                        if planned[Int(d)] {
                            let upstream = Int(arrayOf[Int(d)])
                            corresponds[upstream] = (corresponds[upstream] ?? true) && taskOf[Int(d)] == Int32(t)
                        } else if let job = inFlight[d] {
                            external.insert(job)
                        }
                    }
                }
            }
            arrays[a].dependencies = corresponds.keys.sorted().map { upstream in
                let aligned = corresponds[upstream]! && arrays[upstream].tasks.count >= arrays[a].tasks.count
                    && arrays[upstream].stepsPerTask == 1
                return aligned ? .afterCorresponding(upstream) : .afterAny(upstream)
            }
            arrays[a].externalJobIDs = external.sorted()
        }
        return arrays
    }

    private struct GroupKey: Hashable {
        let depth: Int32
        let rule: Int
        let escalation: Escalation
    }

    /// How many steps one task of a group may hold, from time alone.
    static func timeCap(step: Int, target: Int, maxTime: Int?) -> Int {
        guard step > 0 else { return .max }                         // no time limit: SLURM's default applies to the task
        let limit = min(target, maxTime ?? .max)
        return step * 2 > limit ? 1 : limit / step
    }

    /// One group of steps to bundle: how many, the rule's own `stepsPerTask` (0: none), and the most
    /// steps per task time allows (for dbuild's bundling, and for the rule's own setting).
    struct GroupShape {
        var count: Int
        var requested: Int
        var cap: Int
        var requestedCap: Int
        /// Per-step seconds learned from recorded runs, when below the declared limit.
        var stepSeconds: Int? = nil
    }

    /// Steps per task for each group: every group keeps at most T tasks (bundling the largest rules
    /// first, the small ones not at all), with T the largest that keeps the plan within the budget;
    /// never above a group's time cap, and never below the rule's own setting.
    static func bundleSizes(_ groups: [GroupShape], budget: Int) -> [Int] {
        func sizes(_ most: Int) -> [Int] {
            groups.map { g in
                let wanted = max(1, (g.count + most - 1) / most)
                return max(min(wanted, g.cap), min(max(g.requested, 1), g.requestedCap))
            }
        }
        func tasks(_ s: [Int]) -> Int { zip(groups, s).reduce(0) { $0 + ($1.0.count + $1.1 - 1) / $1.1 } }
        var low = 1, high = max(1, groups.map(\.count).max() ?? 1)
        if tasks(sizes(high)) <= budget { return sizes(high) }
        while low < high {                                          // the largest T whose plan fits
            let middle = (low + high + 1) / 2
            if tasks(sizes(middle)) <= budget { low = middle } else { high = middle - 1 }
        }
        return sizes(low)
    }

    /// The same without time limits: (count, the rule's own setting or 0).
    static func bundleSizes(groups: [(count: Int, requested: Int)], budget: Int) -> [Int] {
        bundleSizes(groups.map { GroupShape(count: $0.count, requested: $0.requested, cap: .max, requestedCap: .max) }, budget: budget)
    }
}

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

    public var stepCount: Int { tasks.reduce(0) { $0 + $1.count } }
    public var stepsPerTask: Int { tasks.map(\.count).max() ?? 0 }
}

/// Turns a plan into job arrays: grouped by rule and by depth in the plan (so an array never waits
/// on itself and arrays form a DAG), bundled so the whole plan fits in half of MaxJobCount array
/// tasks, split so no array's highest index reaches MaxArraySize, and chained with afterany — or
/// aftercorr where task i needs only task i upstream and that task is one step.
public enum ArrayPlanner {
    public static func plan(graph: Graph, steps: [Int32], limits: SlurmLimits,
                            inFlight: [Int32: String] = [:], escalation: [Int32: Escalation] = [:]) -> [JobArray] {
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

        let bundle = bundleSizes(groups: groupKeys.map { (groups[$0]!.count, graph.description.rules[$0.rule].batch.stepsPerTask) },
                                 budget: limits.taskBudget)
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
                                       escalation: key.escalation))
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

    /// Steps per task for each group (count, the rule's own setting or 0): the smallest common
    /// bundle that keeps all tasks within the budget, never below a rule's own setting.
    static func bundleSizes(groups: [(count: Int, requested: Int)], budget: Int) -> [Int] {
        let total = groups.reduce(0) { $0 + $1.count }
        var base = max(1, (total + budget - 1) / budget)
        while true {
            let sizes = groups.map { max(base, $0.requested) }
            let tasks = zip(groups, sizes).reduce(0) { $0 + ($1.0.count + $1.1 - 1) / $1.1 }
            if tasks <= budget || base >= total { return sizes }
            base += 1
        }
    }
}

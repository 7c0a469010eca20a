/// The steps a build will run and the order they may run in. Tracks intent only: which steps are
/// ready, which were handed to a backend (taken), which finished, which can no longer run because
/// something they need failed. Executing is a backend's business.
public final class Plan {
    public let graph: Graph
    /// Steps to run, in topological order.
    public let steps: [Int32]
    /// Per graph step (nil: not in the plan); dense, since a 10^6-step dry run asks for every one.
    private let reasonByStep: [StaleReason?]
    private var inPlan: [Bool]
    /// In the plan as made (inPlan loses blocked steps).
    private let planned: [Bool]
    private var waitingOn: [Int32: Int]
    private var readyQueue: [Int32] = []
    private var readyHead = 0
    public private(set) var blocked: [Int32] = []
    /// Handed to a backend and not yet finished or given back.
    private var taken: [Bool]
    /// 0 open, 1 succeeded, 2 failed, 3 blocked.
    private var fate: [UInt8]

    public init(graph: Graph, reasons: [StaleReason?]) {
        self.graph = graph
        var steps: [Int32] = []
        var inPlan = [Bool](repeating: false, count: graph.stepCount)
        for step in graph.topologicalOrder {
            if reasons[Int(step)] != nil {
                steps.append(step)
                inPlan[Int(step)] = true
            }
        }
        self.steps = steps
        reasonByStep = reasons
        self.inPlan = inPlan
        planned = inPlan
        var waitingOn: [Int32: Int] = [:]
        for step in steps {
            let count = graph.dependencies(of: Int(step)).reduce(0) { $0 + (inPlan[Int($1)] ? 1 : 0) }
            if count == 0 { readyQueue.append(step) } else { waitingOn[step] = count }
        }
        self.waitingOn = waitingOn
        taken = [Bool](repeating: false, count: graph.stepCount)
        fate = [UInt8](repeating: 0, count: graph.stepCount)
    }

    public var isEmpty: Bool { steps.isEmpty }

    public func reason(of step: Int32) -> StaleReason? { reasonByStep[Int(step)] }

    /// Takes the next ready step, oldest first.
    public func nextReady() -> Int32? {
        while readyHead < readyQueue.count {
            let step = readyQueue[readyHead]
            readyHead += 1
            if taken[Int(step)] || fate[Int(step)] != 0 { continue }
            taken[Int(step)] = true
            return step
        }
        return nil
    }

    /// For a backend that orders steps itself (a batch scheduler): takes every open step whose planned
    /// dependencies have each succeeded or been taken, in topological order — steps waiting on steps
    /// already handed over included. A step waiting on one held back (a retry not yet due) is not taken.
    public func takeStartable() -> [Int32] {
        var result: [Int32] = []
        for step in steps where !taken[Int(step)] && fate[Int(step)] == 0 {
            let startable = graph.dependencies(of: Int(step)).allSatisfy { d in
                !planned[Int(d)] || taken[Int(d)] || fate[Int(d)] == 1
            }
            if startable {
                taken[Int(step)] = true
                result.append(step)
            }
        }
        return result
    }

    /// Whether every planned step this one needs has succeeded (its own staleness can be judged now).
    public func isReady(_ step: Int32) -> Bool { waitingOn[step] == nil }

    /// A taken step that did not run after all (preempted, held back for a retry, blocked by a step
    /// that will be retried): it is open again, and taken anew later.
    public func giveBack(_ step: Int32) {
        guard fate[Int(step)] == 0, taken[Int(step)] else { return }
        taken[Int(step)] = false
        if waitingOn[step] == nil { readyQueue.append(step) }
    }

    public func isOpen(_ step: Int32) -> Bool { fate[Int(step)] == 0 }
    public func hasSucceeded(_ step: Int32) -> Bool { fate[Int(step)] == 1 }
    public func contains(_ step: Int32) -> Bool { reasonByStep[Int(step)] != nil }


    /// Records that a step completed (ran or turned out clean); its dependents may become ready.
    public func stepSucceeded(_ step: Int32) {
        guard planned[Int(step)], fate[Int(step)] == 0 else { return }
        fate[Int(step)] = 1
        taken[Int(step)] = false
        for dependent in graph.dependents(of: Int(step)) where inPlan[Int(dependent)] {
            guard let count = waitingOn[dependent] else { continue }
            if count == 1 {
                waitingOn[dependent] = nil
                readyQueue.append(dependent)
            } else {
                waitingOn[dependent] = count - 1
            }
        }
    }

    /// Records that a step failed: every step downstream of it in the plan is blocked and returned.
    @discardableResult
    public func stepFailed(_ step: Int32) -> [Int32] {
        guard planned[Int(step)], fate[Int(step)] == 0 else { return [] }
        fate[Int(step)] = 2
        taken[Int(step)] = false
        var newlyBlocked: [Int32] = []
        var stack = [step]
        while let current = stack.popLast() {
            for dependent in graph.dependents(of: Int(current)) where inPlan[Int(dependent)] {
                guard waitingOn[dependent] != nil else { continue }
                waitingOn[dependent] = nil
                inPlan[Int(dependent)] = false
                fate[Int(dependent)] = 3
                newlyBlocked.append(dependent)
                stack.append(dependent)
            }
        }
        blocked += newlyBlocked
        return newlyBlocked
    }
}

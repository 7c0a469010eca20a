/// The steps a build will run and the order they may run in. Tracks intent only: which steps are
/// ready, which finished, which can no longer run because something they need failed. Executing is
/// a backend's business.
public final class Plan {
    public let graph: Graph
    /// Steps to run, in topological order.
    public let steps: [Int32]
    public private(set) var reasons: [Int32: StaleReason]
    private var inPlan: [Bool]
    private var waitingOn: [Int32: Int]
    private var readyQueue: [Int32] = []
    private var readyHead = 0
    public private(set) var finishedCount = 0
    public private(set) var blocked: [Int32] = []

    public init(graph: Graph, reasons: [StaleReason?]) {
        self.graph = graph
        var steps: [Int32] = []
        var stepReasons: [Int32: StaleReason] = [:]
        var inPlan = [Bool](repeating: false, count: graph.stepCount)
        for step in graph.topologicalOrder {
            if let reason = reasons[Int(step)] {
                steps.append(step)
                stepReasons[step] = reason
                inPlan[Int(step)] = true
            }
        }
        self.steps = steps
        self.reasons = stepReasons
        self.inPlan = inPlan
        var waitingOn: [Int32: Int] = [:]
        for step in steps {
            let count = graph.dependencies(of: Int(step)).reduce(0) { $0 + (inPlan[Int($1)] ? 1 : 0) }
            if count == 0 { readyQueue.append(step) } else { waitingOn[step] = count }
        }
        self.waitingOn = waitingOn
    }

    public var isEmpty: Bool { steps.isEmpty }
    public var hasReadySteps: Bool { readyHead < readyQueue.count }
    /// True once every step has finished or been blocked.
    public var isDone: Bool { finishedCount + blocked.count == steps.count }

    public func reason(of step: Int32) -> StaleReason? { reasons[step] }

    /// Takes the next ready step, oldest first.
    public func nextReady() -> Int32? {
        guard readyHead < readyQueue.count else { return nil }
        defer { readyHead += 1 }
        return readyQueue[readyHead]
    }

    /// Looks at the ready steps without taking them.
    public var readySteps: ArraySlice<Int32> { readyQueue[readyHead...] }

    /// Records that a step completed (ran or turned out clean); its dependents may become ready.
    public func stepSucceeded(_ step: Int32) {
        finishedCount += 1
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
        finishedCount += 1
        var newlyBlocked: [Int32] = []
        var stack = [step]
        while let current = stack.popLast() {
            for dependent in graph.dependents(of: Int(current)) where inPlan[Int(dependent)] {
                guard waitingOn[dependent] != nil else { continue }
                waitingOn[dependent] = nil
                inPlan[Int(dependent)] = false
                newlyBlocked.append(dependent)
                stack.append(dependent)
            }
        }
        blocked += newlyBlocked
        return newlyBlocked
    }

    /// Steps of the plan that have not started, finished or been blocked (after a stop without -k).
    public func abandon() -> Int {
        let left = steps.count - finishedCount - blocked.count
        readyHead = readyQueue.count
        return left
    }
}

import Rules

/// The SLURM backend's decisions, kept pure so they are unit-tested without a cluster: how a task
/// that left the queue without a result ended for each of its steps, whether a failed step is
/// submitted again (and with how much more time or memory), how long to back off, and how long to
/// wait for a controller that does not answer.
public struct SlurmPolicy: Sendable {
    /// Seconds between looks at the queue while waiting.
    public var pollInterval: Double
    /// How long `--wait` waits for a scheduler that does not answer before giving up (the jobs are
    /// not lost: a later `dbuild all --backend slurm --wait` adopts them).
    public var patienceWithTheController: Double = 1800

    public init(pollInterval: Double) { self.pollInterval = pollInterval }

    /// A failed step is submitted again while its rule's `retries` last, after a backoff that grows
    /// with each attempt; after TIMEOUT with more time, after OUT_OF_MEMORY with more memory.
    public func retry(_ end: StepEnd, rule: RuleDescription, attempt: Int, escalation: Escalation) -> (delay: Double, escalation: Escalation)? {
        guard attempt <= rule.batch.retries else { return nil }
        var next = escalation
        if case .endedByScheduler(let state, _) = end {
            if state == SlurmState.timeout.rawValue { next.time += 1 }
            if state == SlurmState.outOfMemory.rawValue { next.memory += 1 }
        }
        return (pollInterval * Double(attempt), next)
    }

    /// Whether to keep waiting for a scheduler that has not answered for `seconds`.
    public func keepsWaiting(unansweredFor seconds: Double) -> Bool { seconds <= patienceWithTheController }

    /// How a step ended whose task left the queue without its result. `started`: the task began the
    /// step (its start marker is there); `earlierStepStarted`: the task began an earlier step of its
    /// bundle (so it ended before this one began). A step that never started is never a reason to
    /// touch its files.
    public static func end(of final: TaskStatus?, started: Bool, jobTask: ArrayTaskID) -> StepEnd {
        guard let final else {
            return started ? .endedByScheduler(state: "UNKNOWN", detail: "job \(jobTask) is no longer known to SLURM")
                : .notStarted("job \(jobTask) ended without starting it, and SLURM no longer knows the job")
        }
        let reason = final.reason.isEmpty || final.reason == "None" ? "" : final.reason
        if final.wasPreempted { return .preempted("preempted (SLURM state \(final.state)) as job \(jobTask)") }
        if !started {
            if reason.contains("Dependency") {
                return .blocked("the scheduler cancelled job \(jobTask) because a step it needs did not succeed (\(reason))")
            }
            if final.state == .cancelled { return .notStarted("job \(jobTask) was cancelled before it started") }
            return .endedByScheduler(state: final.state.rawValue, detail: (reason.isEmpty ? "" : reason + "; ")
                                     + "the step never started, so none of its files was touched")
        }
        return .endedByScheduler(state: final.state.rawValue, detail: reason)
    }
}

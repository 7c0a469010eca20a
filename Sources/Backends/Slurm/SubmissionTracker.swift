import Foundation
import Targets

/// Where a submitted step stands.
public struct TrackedStep: Equatable, Sendable {
    public var name: String
    public var rule: String
    public var jobID: String?
    public var task: Int
    /// PENDING, RUNNING, … as squeue says.
    public var state: String
}

/// What one refresh learned.
public struct TrackerReport: Sendable {
    /// Queued or running, by step name.
    public var inFlight: [String: TrackedStep] = [:]
    public var succeeded: [String] = []
    /// Step name, what went wrong, and SLURM's final state when known (TIMEOUT, OUT_OF_MEMORY, …).
    public var failed: [(name: String, message: String, slurmState: String?)] = []
    /// Ended by preemption or a node failure: not a failure of the step; it is submitted again.
    public var preempted: [String] = []
    public var activeSubmissions: [String] = []
}

/// Brings the state store up to date with the scheduler: ingests the result files array tasks wrote,
/// asks squeue once for the steps still out, and settles the ones that ended without a result
/// (time limit, memory, cancel, preemption) by asking scontrol about their jobs.
public final class SubmissionTracker {
    let graph: Graph
    let state: StateStore
    let client: SlurmClient
    let fileSystem: DiskFileSystem
    let hashes: ContentHashes

    public init(graph: Graph, state: StateStore, client: SlurmClient, fileSystem: DiskFileSystem, hashes: ContentHashes) {
        self.graph = graph
        self.state = state
        self.client = client
        self.fileSystem = fileSystem
        self.hashes = hashes
    }

    /// True when some submission may still have steps out (a refresh would call squeue).
    public func hasActiveSubmissions() throws -> Bool {
        !(try state.loadSubmissions(activeOnly: true)).isEmpty
    }

    public func refresh() throws -> TrackerReport {
        var report = TrackerReport()
        let submissions = try state.loadSubmissions(activeOnly: true)
        guard !submissions.isEmpty else { return report }
        let submitted = Dictionary(grouping: try state.loadSubmittedSteps(), by: \.submission)
        var remaining: [(SubmissionRecord, SubmittedStep)] = []
        for submission in submissions {
            let results = latestResults(submission.folder)
            for step in submitted[submission.id] ?? [] {
                if let result = results[step.name] {
                    try ingest(result, folder: submission.folder, report: &report)
                } else {
                    remaining.append((submission, step))
                }
            }
        }
        if !remaining.isEmpty {
            let queue = try client.queue()
            var live: [String: TaskStatus] = [:]
            var jobByComment: [String: String] = [:]
            for (status, comment) in queue {
                if status.isLive { live["\(status.jobID)_\(status.task.map(String.init) ?? "")"] = status }
                if comment.hasPrefix("dbuild:") { jobByComment[comment] = status.jobID }
            }
            var arrays: [String: [Int: String]] = [:]
            for submission in submissions {
                arrays[submission.id] = Dictionary(uniqueKeysWithValues:
                    try state.loadSubmittedArrays(submission: submission.id).map { ($0.array, $0.jobID) })
            }
            var details: [String: [TaskStatus]] = [:]
            for (submission, step) in remaining {
                let jobID = arrays[submission.id]?[step.array] ?? jobByComment["dbuild:\(submission.id):\(step.array)"]
                let rule = ruleName(step.name)
                if let jobID, let status = live["\(jobID)_\(step.task)"] ?? live["\(jobID)_"] {
                    report.inFlight[step.name] = TrackedStep(name: step.name, rule: rule, jobID: jobID, task: step.task,
                                                             state: status.state)
                    continue
                }
                // Not in the queue: it ended. Its result may have landed since we looked.
                if let result = latestResults(submission.folder)[step.name] {
                    try ingest(result, folder: submission.folder, report: &report)
                    continue
                }
                guard let jobID else {
                    try state.settleSubmittedStep(step.name)     // never reached the scheduler
                    continue
                }
                if details[jobID] == nil { details[jobID] = try client.jobDetails(jobID) }
                let final = details[jobID]!.first { $0.task == step.task || $0.task == nil }
                if let final, final.isLive {
                    report.inFlight[step.name] = TrackedStep(name: step.name, rule: rule, jobID: jobID, task: step.task,
                                                             state: final.state)
                    continue
                }
                try settleLost(step, jobID: jobID, final: final, report: &report)
            }
        }
        let stillOut = Set(try state.loadSubmittedSteps().map(\.submission))
        for submission in submissions {
            if stillOut.contains(submission.id) {
                report.activeSubmissions.append(submission.id)
            } else {
                try state.markSubmissionFinished(submission.id)
            }
        }
        try state.saveHashes(hashes.takeFresh())
        return report
    }

    private func ruleName(_ step: String) -> String { String(step.split(separator: "/").first ?? "") }

    private func latestResults(_ folder: String) -> [String: StepResult] {
        var byName: [String: StepResult] = [:]
        for result in StepResult.readAll(from: folder) where (byName[result.name]?.finishedAt ?? -1) < result.finishedAt {
            byName[result.name] = result
        }
        return byName
    }

    private func ingest(_ result: StepResult, folder: String, report: inout TrackerReport) throws {
        try? state.recordRun(StepRun(build: "slurm:" + (folder as NSString).lastPathComponent, name: result.name,
                                     rule: ruleName(result.name), startedAt: result.finishedAt - result.seconds,
                                     finishedAt: result.finishedAt, host: result.host, outcome: result.succeeded ? "done" : "failed"))
        let step = graph.step(named: result.name)
        let log = step.map { Builder.logPath(of: $0, in: graph) } ?? ""
        if result.succeeded, let step {
            let missing = graph.outputs(of: step).filter { fileSystem.status($0) == nil }
            if missing.isEmpty {
                let record = StalenessScanner.record(of: step, in: graph, hashes: hashes,
                                                     signature: signature(of: result, folder: folder),
                                                     duration: result.seconds, finishedAt: result.finishedAt)
                try state.recordSuccess(result.name, record)
                try state.settleSubmittedStep(result.name)
                report.succeeded.append(result.name)
                return
            }
            try fail(result.name, "finished on \(result.host), but \(missing.joined(separator: ", ")) cannot be seen here",
                     exitStatus: 0, log: log, slurmState: nil, report: &report)
        } else if result.succeeded {
            try state.settleSubmittedStep(result.name)           // no longer in the Datafile
        } else {
            let why = result.missingOutputs.isEmpty ? "failed on \(result.host) (exit status \(result.exitStatus))"
                : "exited \(result.exitStatus) on \(result.host) without writing \(result.missingOutputs.joined(separator: ", "))"
            try fail(result.name, why, exitStatus: result.exitStatus, log: log, slurmState: nil, report: &report)
        }
    }

    /// The signature recorded at submission: what actually ran, even if the Datafile changed since.
    private func signature(of result: StepResult, folder: String) -> UInt64? {
        guard let manifest = try? ArrayManifest.read(folder: folder, array: result.array),
              manifest.tasks.indices.contains(result.task),
              let entry = manifest.tasks[result.task].first(where: { $0.name == result.name }) else { return nil }
        return UInt64(entry.signature, radix: 16)
    }

    private func settleLost(_ step: SubmittedStep, jobID: String, final: TaskStatus?, report: inout TrackerReport) throws {
        // Whatever the task left behind is not trusted.
        if let index = graph.step(named: step.name), !graph.rule(of: index).keepsOutputsOnFailure {
            graph.outputs(of: index).forEach(fileSystem.removeFile)
        }
        if let final, final.wasPreempted {
            try state.settleSubmittedStep(step.name)
            try distrustKeptOutputs(step.name, end: "preempted (SLURM state \(final.state))")
            report.preempted.append(step.name)
            return
        }
        let log = graph.step(named: step.name).map { Builder.logPath(of: $0, in: graph) } ?? ""
        let message = final.map { "ended in SLURM state \($0.state)" + ($0.reason.isEmpty || $0.reason == "None" ? "" : " (\($0.reason))")
            + " as job \(jobID)_\(step.task)" } ?? "ended without reporting (job \(jobID) is no longer known to SLURM)"
        try fail(step.name, message, exitStatus: -1, log: log, slurmState: final?.state, report: &report)
    }

    private func fail(_ name: String, _ message: String, exitStatus: Int, log: String, slurmState: String?,
                      report: inout TrackerReport) throws {
        try state.recordFailure(name, FailureRecord(exitStatus: exitStatus, logPath: log, message: message,
                                                    failedAt: Date().timeIntervalSince1970))
        try state.settleSubmittedStep(name)
        try distrustKeptOutputs(name, end: message)
        report.failed.append((name, message, slurmState))
    }

    private func distrustKeptOutputs(_ name: String, end: String) throws {
        guard let index = graph.step(named: name) else { return }
        let rule = graph.rule(of: index)
        try state.noteUnfinished(name, keepsFiles: rule.keepsOutputsOnFailure, checkpointing: rule.checkpointing, end: end,
                                 at: Date().timeIntervalSince1970)
    }
}

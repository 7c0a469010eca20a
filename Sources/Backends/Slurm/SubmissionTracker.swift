import Foundation
import Targets

/// Where a submitted step stands.
public struct TrackedStep: Equatable, Sendable {
    public var name: String
    public var rule: String
    public var jobID: String?
    public var task: Int
    /// PENDING, RUNNING, … as squeue says.
    public var state: SlurmState
    /// Where its result will appear (for steps that need it).
    public var resultPath: String?

    public init(name: String, rule: String, jobID: String?, task: Int, state: SlurmState, resultPath: String?) {
        self.name = name
        self.rule = rule
        self.jobID = jobID
        self.task = task
        self.state = state
        self.resultPath = resultPath
    }

    /// Its array task, once the array's job id is known.
    public var taskID: ArrayTaskID? { jobID.map { ArrayTaskID(job: $0, task: task) } }
}

/// What one refresh learned.
public struct TrackerReport: Sendable {
    /// How submitted steps ended since the last refresh; the caller records them (`OutcomeRecorder`).
    public var outcomes: [StepOutcome] = []
    /// Queued or running, by step name.
    public var inFlight: [String: TrackedStep] = [:]
    public var activeSubmissions: [String] = []
}

/// Reads where submitted steps stand: the result files array tasks wrote, one squeue for the steps
/// still out, and scontrol for the ones that left the queue without a result. Turns each into a
/// `StepOutcome`; it decides nothing about files or records (the caller's recorder does).
public final class SubmissionTracker {
    let graph: Graph
    let state: StateStore
    let client: SlurmCommands
    private var manifests: [String: ArrayManifest] = [:]
    /// Each task's result file as read so far (read on from where it was left at each refresh).
    private var taskFiles: [String: TaskResults] = [:]
    /// False for a look that must not write the state (another dbuild holds the lock and records
    /// what ended): submissions and dropped steps are left for it to settle.
    public var settles = true

    public init(graph: Graph, state: StateStore, client: SlurmCommands) {
        self.graph = graph
        self.state = state
        self.client = client
    }

    public func refresh() throws -> TrackerReport {
        var report = TrackerReport()
        let submitted = Dictionary(grouping: try state.loadSubmittedSteps(), by: \.submission)
        var submissions: [SubmissionRecord] = []
        for submission in try state.loadSubmissions(activeOnly: true) {
            if submitted[submission.id] != nil {
                submissions.append(submission)
            } else if settles {
                try state.markSubmissionFinished(submission.id)
            }
        }
        report.activeSubmissions = submissions.map(\.id)
        guard !submissions.isEmpty else { return report }
        var remaining: [(SubmissionRecord, SubmittedStep)] = []
        for submission in submissions {
            let (results, unreadable) = readResults(submission.folder)
            var byPlace: [String: StepResult] = [:]
            for result in results { byPlace["\(result.array).\(result.task).\(result.name)"] = result }
            var unreadableByName: [String: String] = [:]
            for bad in unreadable {
                if let name = entry(submission.folder, bad.array, bad.task, bad.position)?.name { unreadableByName[name] = bad.why }
            }
            for step in submitted[submission.id] ?? [] {
                if let result = byPlace["\(step.array).\(step.task).\(step.name)"] {
                    append(outcome(of: result, step, submission), to: &report, name: step.name)
                } else if let why = unreadableByName[step.name] {
                    append(stepOutcome(step, submission, .unreadableResult(why)), to: &report, name: step.name)
                } else {
                    remaining.append((submission, step))
                }
            }
        }
        guard !remaining.isEmpty else { return report }
        let queue = try client.queue()
        var live: [ArrayTaskID: TaskStatus] = [:]
        var jobByComment: [JobComment: String] = [:]
        for (status, comment) in queue {
            if status.isLive { live[status.id] = status }
            if let comment = JobComment(parsing: comment) { jobByComment[comment] = status.jobID }
        }
        var arrays: [String: [Int: String]] = [:]
        for submission in submissions {
            arrays[submission.id] = Dictionary(uniqueKeysWithValues:
                try state.loadSubmittedArrays(submission: submission.id).map { ($0.array, $0.jobID) })
        }
        var details: [String: [TaskStatus]] = [:]
        for (submission, step) in remaining {
            let jobID = arrays[submission.id]?[step.array] ?? jobByComment[.array(submission: submission.id, index: step.array)]
            let position = position(of: step, in: submission.folder)
            let taskFile = TaskResultFile.path(submission.folder, array: step.array, task: step.task)
            let resultPath = position.map { TaskResultFile.locator(taskFile, position: $0) }
            func track(_ state: SlurmState) {
                report.inFlight[step.name] = TrackedStep(name: step.name, rule: String(step.name.prefix { $0 != "/" }), jobID: jobID,
                                                         task: step.task, state: state, resultPath: resultPath)
            }
            if let jobID, let status = live[ArrayTaskID(job: jobID, task: step.task)] ?? live[ArrayTaskID(job: jobID, task: nil)] {
                track(status.state)
                continue
            }
            // Not in the queue: it ended. Its result may have landed since we looked.
            taskFiles[taskFile, default: TaskResults()].readMore(taskFile)
            let file = taskFiles[taskFile]!
            let reading = position.map { p -> StepResult.Reading in
                if case .absent = file.reading(p) {
                    if file.incompleteLine == p { return .unreadable("its task ended while writing its result to \(taskFile)") }
                    return StepResult.readLegacy(path: StepResult.legacyPath(submission.folder, array: step.array, task: step.task, position: p))
                }
                return file.reading(p)
            }
            switch reading {
            case .found(let result)?:
                append(outcome(of: result, step, submission), to: &report, name: step.name)
                continue
            case .unreadable(let why)?:
                append(stepOutcome(step, submission, .unreadableResult(why)), to: &report, name: step.name)
                continue
            default: break
            }
            guard let jobID else {
                append(stepOutcome(step, submission, .notStarted("it never reached the scheduler")), to: &report, name: step.name)
                continue
            }
            if details[jobID] == nil { details[jobID] = try client.jobDetails(jobID) }
            let final = details[jobID]!.first { $0.task == step.task || $0.task == nil }
            if let final, final.isLive {
                track(final.state)
                continue
            }
            let marker = position.flatMap { file.started[$0] ?? StartMarker.read(locator:
                StepResult.legacyPath(submission.folder, array: step.array, task: step.task, position: $0)) }
            let taskID = ArrayTaskID(job: jobID, task: step.task)
            var outcome = stepOutcome(step, submission, SlurmPolicy.end(of: final, started: marker != nil, jobTask: taskID))
            outcome?.before = marker?.before
            outcome?.place = "job \(taskID)"
            append(outcome, to: &report, name: step.name)
        }
        return report
    }

    /// Every result of a submission: its task files read on from where the last refresh left them
    /// (and the per-step files of a submission made by an earlier version, read whole).
    private func readResults(_ folder: String) -> (results: [StepResult], unreadable: [(array: Int, task: Int, position: Int, why: String)]) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: StepResult.folder(folder))) ?? []
        var results: [StepResult] = []
        var unreadable: [(Int, Int, Int, String)] = []
        if names.contains(where: { $0.hasSuffix(".json") }) { (results, unreadable) = StepResult.readAll(from: folder) }
        for name in names where name.hasSuffix(".jsonl") {
            let numbers = name.dropLast(6).split(separator: ".").compactMap { Int($0) }
            guard numbers.count == 2 else { continue }
            let path = StepResult.folder(folder) + "/" + name
            taskFiles[path, default: TaskResults()].readMore(path)
            results += taskFiles[path]!.results.values
            unreadable += taskFiles[path]!.unreadable.map { (numbers[0], numbers[1], $0.key, $0.value) }
        }
        return (results, unreadable)
    }

    private func append(_ outcome: StepOutcome?, to report: inout TrackerReport, name: String) {
        if let outcome { report.outcomes.append(outcome) } else if settles { try? state.settleSubmittedStep(name) }   // no longer in the Datafile
    }

    private func stepOutcome(_ step: SubmittedStep, _ submission: SubmissionRecord, _ end: StepEnd) -> StepOutcome? {
        guard let index = graph.step(named: step.name) else { return nil }
        return StepOutcome(step: Int32(index), end: end, signature: signature(step, submission.folder),
                           handedOverAt: submission.createdAt)
    }

    private func outcome(of result: StepResult, _ step: SubmittedStep, _ submission: SubmissionRecord) -> StepOutcome? {
        let end: StepEnd
        switch result.kind {
        case "unchanged": end = .unchanged(result.note ?? "what it reads is unchanged")
        case "blocked": end = .blocked(result.note ?? "a step it needs did not succeed")
        default: end = .finished(.exited(Int32(clamping: result.exitStatus)))
        }
        var outcome = stepOutcome(step, submission, end)
        outcome?.seconds = result.seconds
        outcome?.host = result.host
        outcome?.peakMemoryKB = result.peakKB
        if result.exitStatus == 0 && result.kind == nil {
            outcome?.unsoundOutputs = result.missingOutputs
            if !result.missingOutputs.isEmpty { outcome?.unsoundProblem = result.note }
        }
        return outcome
    }

    private func manifest(_ folder: String, _ array: Int) -> ArrayManifest? {
        let key = "\(folder):\(array)"
        if let known = manifests[key] { return known }
        let read = try? ArrayManifest.read(folder: folder, array: array)
        manifests[key] = read
        return read
    }

    private func entry(_ folder: String, _ array: Int, _ task: Int, _ position: Int) -> TaskStep? {
        guard let tasks = manifest(folder, array)?.tasks, tasks.indices.contains(task), tasks[task].indices.contains(position) else { return nil }
        return tasks[task][position]
    }

    private func position(of step: SubmittedStep, in folder: String) -> Int? {
        guard let tasks = manifest(folder, step.array)?.tasks, tasks.indices.contains(step.task) else { return nil }
        return tasks[step.task].firstIndex { $0.name == step.name }
    }

    /// The signature recorded at submission: what actually ran, even if the Datafile changed since.
    private func signature(_ step: SubmittedStep, _ folder: String) -> UInt64? {
        guard let position = position(of: step, in: folder), let entry = entry(folder, step.array, step.task, position) else { return nil }
        return UInt64(entry.signature, radix: 16)
    }
}

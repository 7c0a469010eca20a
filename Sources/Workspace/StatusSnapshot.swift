import Foundation
import Basics
import Targets
import Backends

/// What one `dbuild status` look found: the status document (`--json`'s schema), and what its text
/// shows besides (the look at SLURM, the state it read, the submissions, dbuild's own files).
public struct StatusSnapshot {
    public let report: StatusReport
    public let look: SubmissionsLook
    public let state: StateStore
    public let submissions: [SubmissionRecord]
    public let own: OwnFiles

    /// One look at the project: what SLURM finished is ingested (`Project.look`), the selection
    /// scanned, and every step judged in `StepCondition`'s order.
    public static func take(_ project: Project, targets: [String]) throws -> StatusSnapshot {
        let graph = project.graph
        let (roots, _) = try project.select(targets)
        let look = try project.look()
        let tracked = look.inFlight
        let readOnly = try project.openState(readOnly: true)
        let state = try project.openState(readOnly: true)
        let scanner = try project.scanner(state: state, forced: false)
        let reasons = try project.scan(scanner, needed: Selection.closure(of: roots, in: graph))
        let failures = try state.loadFailures()
        let blocked = try state.loadBlocked()
        // A local build running now: the steps it marked running, and its published progress.
        let holder = ProjectLock.liveHolder(in: project.dotDbuild)
        let progress = PublishedProgress.read(project.dotDbuild).flatMap { p in
            holder.flatMap { $0.pid == p.pid && $0.host == p.host ? p : nil }
        }
        let localRunning = holder == nil ? [:] : try state.loadRunning()
        let now = Date().timeIntervalSince1970

        var report = StatusReport()
        var rows: [String: StatusReport.Rule] = [:]
        var order: [String] = []
        for step in roots {
            let name = graph.name(step), rule = graph.rule(of: step).name
            if rows[rule] == nil { order.append(rule) }
            var row = rows[rule] ?? StatusReport.Rule(rule: rule)
            row.steps += 1
            var missing = false
            if case .missingOutput? = reasons[step] { missing = true }
            let tracking = tracked[name]
            switch StepCondition.of(.init(handedOver: tracking != nil, running: tracking?.state.isRunning ?? (localRunning[name] != nil),
                                          sound: reasons[step] == nil,
                                          failed: failures[name] != nil, blocked: blocked[name] != nil, missing: missing)) {
            case .queued: row.queued += 1
            case .running:
                row.running += 1
                if let t = tracking {
                    report.running.append(.init(step: name, rule: rule, place: "slurm", elapsedSeconds: nil, job: t.taskID?.description))
                } else if let started = localRunning[name] {
                    report.running.append(.init(step: name, rule: rule, place: "local", elapsedSeconds: max(0, now - started), job: nil))
                }
            case .built:
                row.built += 1
                if scanner.isRemovedTemporary(step) { row.removed += 1 }
            case .failed: row.failed += 1
            case .blocked: row.blocked += 1
            case .missing: row.missing += 1
            case .broken, .stale: row.stale += 1
            }
            if let job = tracking?.jobID, !row.jobs.contains(job) { row.jobs.append(job) }
            rows[rule] = row
        }
        report.rules = order.map { var r = rows[$0]!; r.jobs.sort(); return r }
        report.running.sort { ($0.elapsedSeconds ?? 0, $0.step) > ($1.elapsedSeconds ?? 0, $1.step) }
        if let progress {
            report.build = .init(host: progress.host, pid: progress.pid, total: progress.total, done: progress.done, running: progress.running,
                                 failed: progress.failed, elapsedSeconds: max(0, now - progress.startedAt), etaSeconds: progress.etaSeconds)
        }
        report.slurm = Self.slurmProgress(tracked, mean: BuildSession.meanDurations(scanner.records),
                                          startedAt: Self.startTimes(), now: now)
        let selected = Set(roots.map(graph.name))
        report.failures = failures.filter { selected.contains($0.key) && tracked[$0.key] == nil && localRunning[$0.key] == nil
            && reasons[graph.step(named: $0.key) ?? 0] != nil }
            .sorted { $0.value.failedAt > $1.value.failedAt }
            .map { .init(step: $0.key, message: $0.value.message, log: $0.value.logPath, failedAt: $0.value.failedAt) }
        report.blocked = blocked.filter { selected.contains($0.key) && tracked[$0.key] == nil && failures[$0.key] == nil
            && reasons[graph.step(named: $0.key) ?? 0] != nil }.sorted { $0.key < $1.key }
            .map { .init(step: $0.key, blocker: $0.value.blocker) }
        report.nearPurge = NearPurge.rows(graph: graph, steps: roots, fileSystem: project.fileSystem, records: scanner.records)
        let own = OwnFiles.count(root: project.root, dotDbuild: project.dotDbuild)
        report.ownFiles = own.total
        let submissions = try readOnly.loadSubmissions(activeOnly: false)
        report.onFinish = Self.finishCommands(submissions.suffix(5))
        return StatusSnapshot(report: report, look: look, state: state, submissions: submissions, own: own)
    }

    /// The ETA counts what is left of each running step: its rule's mean less the time it has run
    /// (from its start line in the task's result file), never below nothing.
    public static func slurmProgress(_ tracked: [String: TrackedStep], mean: [String: Double],
                                     startedAt: (TrackedStep) -> Double? = { _ in nil }, now: Double = 0) -> StatusReport.Slurm? {
        guard !tracked.isEmpty else { return nil }
        let running = tracked.values.filter(\.state.isRunning).count
        var work: Double? = 0
        for step in tracked.values {
            let ran = step.state.isRunning ? startedAt(step).map { max(0, now - $0) } ?? 0 : 0
            work = work.flatMap { w in mean[step.rule].map { w + max(0, $0 - ran) } }
        }
        return .init(queued: tracked.count - running, running: running,
                     etaSeconds: running > 0 ? work.map { $0 / Double(running) } : nil)
    }

    /// When a running step began, from its task's result file (each file read once per look).
    static func startTimes() -> (TrackedStep) -> Double? {
        var files: [String: TaskResults] = [:]
        return { step in
            guard let locator = step.resultPath, let (file, position) = TaskResultFile.split(locator) else { return nil }
            if files[file] == nil { files[file] = TaskResults.read(file) }
            return files[file]?.started[position]?.startedAt
        }
    }

    public static func finishCommands(_ submissions: ArraySlice<SubmissionRecord>) -> [StatusReport.OnFinish] {
        submissions.compactMap { s in
            // A job with no command only removes used temporaries: dbuild's housekeeping, not shown.
            FinishJob.read(s.folder).flatMap { job in job.command.isEmpty ? nil : job }.map { job in
                let result = FinishJob.result(s.folder)
                return StatusReport.OnFinish(submission: s.id, command: job.command, job: job.jobID,
                                             state: result.map { $0.succeeded ? "succeeded" : "failed" } ?? "waiting",
                                             exitStatus: result?.exitStatus, output: result == nil ? nil : FinishJob.outputPath(s.folder))
            }
        }
    }
}

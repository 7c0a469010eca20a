import Foundation
import Targets
import Backends

/// `dbuild … --backend slurm`: plan job arrays, write the submission folder, submit (or only print or
/// emit), and with `--wait` follow the submission to its end, resubmitting failed steps of rules that
/// allow retries (with more time or memory after TIMEOUT or OUT_OF_MEMORY).
struct SlurmRun {
    let project: Project
    let pollInterval: Double
    let quiet: Bool
    let client = SlurmClient()

    /// Returns true when steps failed (for the exit status).
    func build(plan: Plan, inFlight: [Int32: String], neededCount: Int, dryRun: Bool, emitOnly: String?, wait: Bool,
               listAll: Bool, replan: (Set<Int32>, Set<Int32>) throws -> [StaleReason?]) throws -> Bool {
        let limits = (try? client.limits()) ?? SlurmLimits()
        if dryRun || emitOnly != nil {
            let folder = emitOnly.map { $0.hasPrefix("/") ? $0 : FileManager.default.currentDirectoryPath + "/" + $0 }
                ?? project.dotDbuild + "/slurm/dry-run"
            let submitter = makeSubmitter(plan.steps, limits: limits, inFlight: inFlight, id: dryRun ? "dry-run" : SlurmSubmitter.newID(),
                                          folder: folder)
            if dryRun { print(PlanReport.text(plan, neededCount: neededCount, listAll: listAll), terminator: "") }
            if !plan.isEmpty {
                try? FileManager.default.removeItem(atPath: folder + "/results")
                try submitter.writeFolder()
                print("\n" + submitter.planText() + "Scripts: \(folder) (submit.sh submits them in order)"
                      + (emitOnly != nil ? "; dbuild does not track a submission made by hand" : ""))
            }
            return false
        }
        let state = try project.openState(readOnly: false)
        var attempts: [String: Int] = [:]
        var escalation: [Int32: Escalation] = [:]
        var current = plan
        var failedForGood = Set<Int32>()
        var attempt = 1
        while true {
            if !current.isEmpty {
                let id = SlurmSubmitter.newID()
                let submitter = makeSubmitter(current.steps, limits: limits, inFlight: try project.stepsInFlight(refresh: false),
                                              id: id, folder: project.dotDbuild + "/slurm/" + id, escalation: escalation)
                try submitter.writeFolder()
                let arrays = try submitter.submit(state: state, client: client, attempt: attempt)
                for step in current.steps { attempts[project.graph.name(Int(step)), default: 0] += 1 }
                print("submitted \(current.steps.count) step\(current.steps.count == 1 ? "" : "s") as \(arrays.count) job "
                      + "array\(arrays.count == 1 ? "" : "s") (" + arrays.map { "\($0.rule): \($0.jobID)" }.joined(separator: ", ")
                      + "); scripts in .dbuild/slurm/\(id)")
            } else if inFlight.isEmpty || !wait {
                print("dbuild: nothing to submit: all \(neededCount) selected steps are up to date or already queued")
            } else if attempt == 1 {
                print("dbuild: nothing new to submit; following \(inFlight.count) step\(inFlight.count == 1 ? "" : "s") "
                      + "still queued or running from an earlier submission")
            }
            guard wait else { return false }
            // Follow everything still out, not only this submission: a restarted dbuild adopts earlier jobs.
            let tracker = try project.tracker(state: state)
            var failures: [(name: String, message: String, slurmState: String?)] = []
            var preempted = false
            var unreachableSince: Date?
            while true {
                Thread.sleep(forTimeInterval: pollInterval)
                // A controller that is down (restarting, failing over) is waited for: the jobs run on
                // without it, and their results are in files that the next look ingests.
                let report: TrackerReport
                do {
                    report = try tracker.refresh()
                    unreachableSince = nil
                } catch let error as SlurmError {
                    let since = unreachableSince ?? Date()
                    unreachableSince = since
                    if Date().timeIntervalSince(since) > Self.patienceWithTheController { throw error }
                    if !quiet { print("slurm: the scheduler does not answer (\(error.description.prefix(120))); looking again") }
                    continue
                }
                failures += report.failed
                preempted = preempted || !report.preempted.isEmpty
                if !quiet { print(progressLine(report, failed: failures.count)) }
                if report.inFlight.isEmpty { break }
            }
            for failure in failures where !isDependencyCancel(failure.message) {
                print("FAILED: \(failure.name) \(failure.message)")
            }
            // Which failed steps get another go.
            var retrying = false
            for failure in failures where !isDependencyCancel(failure.message) {
                guard let step = project.graph.step(named: failure.name).map(Int32.init) else { continue }
                let retries = project.graph.rule(of: Int(step)).batch.retries
                if attempts[failure.name, default: 1] <= retries {
                    retrying = true
                    var e = escalation[step] ?? Escalation()
                    if failure.slurmState == "TIMEOUT" { e.time += 1 }
                    if failure.slurmState == "OUT_OF_MEMORY" { e.memory += 1 }
                    escalation[step] = e
                } else {
                    failedForGood.insert(step)
                }
            }
            let reasons = try replan([], failedForGood)
            current = Plan(graph: project.graph, reasons: reasons)
            if current.isEmpty || (!retrying && !preempted) {
                let failed = !failedForGood.isEmpty || failures.contains { !isDependencyCancel($0.message) }
                print("dbuild: submission finished" + (failed ? " with failures (dbuild status shows them)" : ": every step done"))
                return failed
            }
            attempt += 1
            let backoff = pollInterval * Double(attempt - 1)
            if !quiet { print("resubmitting \(current.steps.count) step\(current.steps.count == 1 ? "" : "s") in \(Int(backoff)) s") }
            Thread.sleep(forTimeInterval: backoff)
        }
    }

    /// How long `--wait` waits for a scheduler that does not answer before giving up (the jobs are
    /// not lost: a later `dbuild all --backend slurm --wait` adopts them).
    static let patienceWithTheController: Double = 1800

    private func isDependencyCancel(_ message: String) -> Bool { message.contains("DependencyNeverSatisfied") }

    private func makeSubmitter(_ steps: [Int32], limits: SlurmLimits, inFlight: [Int32: String], id: String, folder: String,
                               escalation: [Int32: Escalation] = [:]) -> SlurmSubmitter {
        let context = SubmissionContext(id: id, projectRoot: project.root, folder: folder, dbuild: Self.executablePath())
        let submitter = SlurmSubmitter(graph: project.graph, steps: steps, limits: limits, context: context, inFlight: inFlight,
                                       escalation: escalation)
        let state = try? project.openState(readOnly: true)
        submitter.previousAttempt = { name in (try? state?.attempt(of: name)) ?? nil }
        return submitter
    }

    private func progressLine(_ report: TrackerReport, failed: Int) -> String {
        let running = report.inFlight.values.filter { $0.state == "RUNNING" || $0.state == "COMPLETING" }.count
        return "slurm: \(report.inFlight.count - running) queued, \(running) running, \(report.succeeded.count) just finished, "
            + "\(failed) failed"
    }

    static func executablePath() -> String {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
    }
}

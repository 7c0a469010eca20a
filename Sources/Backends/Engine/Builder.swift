import Foundation
import Basics
import Rules
import Targets

/// The totals printed at the end of a build.
public struct BuildSummary: Equatable, Sendable {
    public var planned = 0
    public var ran = 0
    public var succeeded = 0
    public var failed = 0
    /// Planned because an upstream step would run, then found clean when it came out unchanged.
    public var cutOff = 0
    /// Not run because a step they need failed.
    public var blocked = 0
    public var notStarted = 0
    /// Stopped by an interruption while running here (their files as they were: staged, or removed).
    public var stopped = 0
    /// Still queued or running on the scheduler when this process stopped following them (Ctrl-C
    /// during --wait): they run on.
    public var leftOnScheduler = 0
    /// Handed to a scheduler that runs them without this process (no --wait).
    public var submitted = 0
    /// Left for a later wave (the queue had no room): a continuation job, or this process, submits them.
    public var deferred = 0
    public var interrupted = false
    public var failures: [String] = []
    /// Steps whose products another recipe overwrote during the build (remade next run).
    public var overwritten: [String] = []

    public init() {}
}

/// The engine: the one loop that owns the plan for every backend. It takes ready steps (or, for a
/// scheduler that orders steps itself, every step whose upstream steps are handed over too),
/// prepares them (early cutoff, a snapshot of their outputs), hands them to the backend, receives
/// their outcomes, records them (`OutcomeRecorder`), unblocks dependents, retries what the backend's
/// policy retries, and blocks only what needs a step that failed.
public final class Builder {
    public let graph: Graph
    public let plan: Plan
    public let scanner: StalenessScanner
    public let state: StateStore
    public let logsDirectory: String
    public var say: (String) -> Void = { print($0) }
    public var quiet = false
    public var verbose = false
    /// The live progress display; when nil, each start is a plain "[k/N] name" line through `say`.
    public var progress: ProgressReporter?
    /// Steps out of the plan that a scheduler still runs (earlier submissions): their dependents
    /// cannot judge early cutoff here.
    public var awaitedElsewhere: Set<Int32> = []
    public let recorder: OutcomeRecorder
    /// Recipes write into staging folders, and their outputs replace the products only when they
    /// succeeded (`Targets/Staging`); off on an in-memory file system.
    public var stagesOutputs = false
    /// Steps run here stage into reused folders, one per running step (`Staging`); nil for a scheduler.
    private var stagingSlots = false
    private var freeSlots: [Int] = []
    private var slotCount = 0
    private var slotOf: [Int32: Int] = [:]

    private func takeSlot(_ step: Int32) -> String {
        let slot = freeSlots.popLast() ?? { slotCount += 1; return slotCount - 1 }()
        slotOf[step] = slot
        return "run-\(getpid())-\(slot)"
    }

    /// `--keep-temporary`: this build removes no `.temporary()` outputs.
    public var keepsTemporary = false
    /// Where succeeded steps' logs are packed when they run here; nil keeps every log a plain file.
    public var logPacker: LogPackWriter?
    /// Log folders this build created: removed at its end when packing left them empty.
    private var logFolders: Set<String> = []
    public var buildID: String { recorder.buildID }
    private var startTimes: [Int32: Double] = [:]
    public private(set) var summary = BuildSummary()
    private var fileSystem: FileSystem { scanner.statuses.fileSystem }
    private var startedCount = 0
    private lazy var startSnapshots: [String: OutputSnapshot] = (try? state.loadStartSnapshots()) ?? [:]

    public init(graph: Graph, plan: Plan, scanner: StalenessScanner, state: StateStore, logsDirectory: String = "logs") {
        self.graph = graph
        self.plan = plan
        self.scanner = scanner
        self.state = state
        self.logsDirectory = logsDirectory
        recorder = OutcomeRecorder(graph: graph, state: state, hashes: scanner.hashes, statuses: scanner.statuses)
        summary.planned = plan.steps.count
    }

    /// Failed steps waiting for their retry, and the blocked dependents given back with them.
    private var retryAt: [Int32: Date] = [:]
    private var waitingForRetry: [Int32: [Int32]] = [:]
    /// A blocked step waiting for a retry (directly or through the step that blocked it): that retry.
    private var heldFor: [Int32: Int32] = [:]
    private var attempts: [Int32: Int] = [:]
    private var givenBack: [Int32: Int] = [:]

    /// Runs the plan on `backend` and returns the totals. Throws what the backend throws (a
    /// scheduler that refuses a submission); what finished before is recorded.
    public func run(on backend: Backend, keepGoing: Bool, stop: StopSignal) throws -> BuildSummary {
        if let logPacker { finishKilledBuildsPacks(logPacker) }
        stagingSlots = stagesOutputs && backend.runsStepsHere
        if stagingSlots, let disk = fileSystem as? DiskFileSystem { StagedOutputs.removeDeadRuns(project: disk.root, roots: graph.roots) }
        recorder.say = say
        recorder.quiet = quiet
        recorder.verbose = verbose
        do {
            try loop(backend, keepGoing: keepGoing, stop: stop)
        } catch {
            finish(backend, stop)
            throw error
        }
        finish(backend, stop)
        return summary
    }

    private func finish(_ backend: Backend, _ stop: StopSignal) {
        if stop.isSet { summary.interrupted = true }
        if summary.ran > 0 && backend.runsStepsHere { distrustProductsWrittenBehindTheirSteps() }
        if !stop.isSet && summary.submitted == 0 && summary.deferred == 0 && !keepsTemporary { removeUsedTemporaries() }
        if let logPacker {
            logPacker.close()
            removeEmptyLogFolders()
        }
        if stagesOutputs, let disk = fileSystem as? DiskFileSystem {
            StagedOutputs.removeFolders(Array(recorder.committedStaging))
            StagedOutputs.removeEmptyParents(project: disk.root, roots: graph.roots)
        }
        summary.blocked = plan.blocked.count
        summary.notStarted = max(0, summary.planned - summary.ran - summary.cutOff - summary.blocked - summary.submitted - summary.deferred
                                    - summary.leftOnScheduler)
        try? state.saveHashes(scanner.hashes.takeFresh())
    }

    private func loop(_ backend: Backend, keepGoing: Bool, stop: StopSignal) throws {
        var feeding = true
        var held: StepJob?          // prepared, waiting for room; nothing to undo if dropped
        while true {
            if stop.isSet { feeding = false }
            releaseDueRetries()
            if feeding && backend.takesMoreSteps {
                let batch = backend.ordersStepsItself ? takeForScheduler() : takeReady(&held, backend)
                if !batch.isEmpty {
                    // Steps run here are marked running before they start (a crash then finds them);
                    // a scheduler's are recorded with its submission, and some may be left for later.
                    if backend.runsStepsHere { willStart(batch, backend) }
                    let later = try backend.start(batch, stop: stop)
                    if !backend.runsStepsHere { willStart(batch, backend, except: Set(later)) }
                    for step in later { plan.giveBack(step) }
                    summary.deferred = later.count
                }
            } else if !feeding {
                held = nil
            }
            if backend.outstanding == 0 && held == nil && retryAt.isEmpty { break }
            guard let outcomes = try backend.waitForOutcomes(stop: stop) else {
                if stop.isSet {
                    summary.interrupted = true
                    if !backend.runsStepsHere { summary.leftOnScheduler = backend.outstanding }
                } else {
                    summary.submitted = startedCount
                }
                break
            }
            for outcome in topologically(outcomes) {
                if settle(outcome, backend) == .failed && !keepGoing && !backend.ordersStepsItself { feeding = false }
            }
        }
    }

    /// Ready steps that fit, oldest first (a local backend).
    private func takeReady(_ held: inout StepJob?, _ backend: Backend) -> [StepJob] {
        var batch: [StepJob] = []
        while true {
            if held == nil {
                guard let next = plan.nextReady() else { break }
                guard let job = prepare(next) else { plan.stepSucceeded(next); continue }
                held = job
            }
            guard backend.hasRoom(for: held!, besides: batch) else { break }
            batch.append(held!)
            held = nil
        }
        return batch
    }

    /// Every step whose planned upstream steps are done or handed over (a scheduler).
    private func takeForScheduler() -> [StepJob] {
        var batch: [StepJob] = []
        while true {
            var cutOff = false
            for step in plan.takeStartable() {
                if let job = prepare(step) { batch.append(job) } else { plan.stepSucceeded(step); cutOff = true }
            }
            if !cutOff { return batch }
        }
    }

    private func releaseDueRetries() {
        let now = Date()
        for (step, due) in retryAt where due <= now {
            retryAt[step] = nil
            plan.giveBack(step)
            for dependent in waitingForRetry.removeValue(forKey: step) ?? [] {
                heldFor[dependent] = nil
                plan.giveBack(dependent)
            }
        }
    }

    /// Upstream steps first, so a failure is known before the steps it blocked report.
    private func topologically(_ outcomes: [StepOutcome]) -> [StepOutcome] {
        guard outcomes.count > 1 else { return outcomes }
        return outcomes.sorted { graph.topologicalPosition($0.step) < graph.topologicalPosition($1.step) }
    }

    /// Records one outcome and moves the plan on.
    @discardableResult
    private func settle(_ outcome: StepOutcome, _ backend: Backend) -> Verdict {
        let step = outcome.step
        let verdict = recorder.record(outcome, startedAt: startTimes[step])
        if let slot = slotOf.removeValue(forKey: step) { freeSlots.append(slot) }
        let rule = graph.rule(of: Int(step)).name
        switch verdict {
        case .succeeded:
            summary.ran += 1
            summary.succeeded += 1
            if backend.runsStepsHere, let logPacker, let disk = fileSystem as? DiskFileSystem {
                logPacker.take(step: graph.name(Int(step)), logPath: disk.absolute(logPath(of: Int(step))))
            }
            progress?.finished(rule: rule, succeeded: true, name: graph.name(Int(step)))
            plan.stepSucceeded(step)
        case .cutOff:
            summary.cutOff += 1
            progress?.skipped(rule: rule)
            plan.stepSucceeded(step)
        case .failed:
            summary.ran += 1
            attempts[step, default: 0] += 1
            if plan.isOpen(step), plan.contains(step), let delay = backend.retryDelay(after: outcome, attempt: attempts[step]!) {
                retryAt[step] = Date().addingTimeInterval(delay)
                say("retrying \(graph.name(Int(step))) in \(Int(delay.rounded(.up))) s (attempt \(attempts[step]! + 1))")
            } else {
                progress?.finished(rule: rule, succeeded: false, name: graph.name(Int(step)))
                summary.failed += 1
                summary.failures.append(graph.name(Int(step)))
                let blocked = plan.stepFailed(step)
                let by = "blocked by \(graph.name(Int(step))), which failed"
                try? state.recordBlocked(blocked.map { (graph.name(Int($0)), by) }, at: Date().timeIntervalSince1970)
            }
        case .blocked:
            settleBlocked(outcome)
        case .notStarted:
            if plan.isOpen(step) && plan.contains(step) { plan.stepFailed(step) }
        case .runAgain:
            plan.giveBack(step)
        case .stopped:
            summary.ran += 1
            summary.stopped += 1
        }
        return verdict
    }

    /// A step that reported it could not start because something it needs did not succeed.
    private func settleBlocked(_ outcome: StepOutcome) {
        let step = outcome.step
        guard plan.contains(step), plan.isOpen(step) else { return }          // already blocked by the plan
        let needed = graph.dependencies(of: Int(step)).filter { plan.contains($0) }
        let upstream = needed.first { !plan.hasSucceeded($0) }
        if let blocker = upstream, let retry = retryAt[blocker] != nil ? blocker : heldFor[blocker] {
            waitingForRetry[retry, default: []].append(step)                 // runs again with that retry
            heldFor[step] = retry
        } else if (upstream.map { plan.isOpen($0) } ?? !needed.isEmpty), givenBack[step, default: 0] < 3 {
            // What it needs is still out, or turned out fine after all (a result read as unsure
            // there, judged sound here): it is chained onto it again.
            givenBack[step, default: 0] += 1
            plan.giveBack(step)
        } else {
            let name = graph.name(Int(step))
            let why: String
            if case .blocked(let text) = outcome.end { why = text } else { why = "blocked" }
            try? state.recordFailure(name, FailureRecord(exitStatus: -1, logPath: logPath(of: Int(step)), message: "could not start: \(why)",
                                                        failedAt: Date().timeIntervalSince1970))
            say("FAILED: \(name) could not start: \(why)")
            summary.failed += 1
            summary.failures.append(name)
            plan.stepFailed(step)
        }
    }

    /// A recipe that writes outside its declared outputs can overwrite another step's product. Products
    /// seen before the build that changed during it, though their own step did not run, are reported
    /// and their steps marked interrupted: the next run removes and remakes them instead of trusting
    /// them. (Writes to paths the graph does not know cannot harm its products and are not looked for.)
    private func distrustProductsWrittenBehindTheirSteps() {
        let changed = scanner.statuses.changedSinceSeen().filter { graph.producer[Int($0)] >= 0 }
        guard !changed.isEmpty else { return }
        let steps = Set(changed.map { graph.producer[Int($0)] })
        let names = steps.sorted().map { graph.name(Int($0)) }
        try? state.markStarted(names, at: Date().timeIntervalSince1970)
        for id in changed.prefix(10) {
            say("dbuild: warning: \(graph.string(id)) changed during this build, but its step \(graph.name(Int(graph.producer[Int(id)]))) "
                + "did not run: a recipe wrote outside its declared outputs. The product is not trusted; the next run remakes it.")
        }
        if changed.count > 10 { say("dbuild: warning: … and \(changed.count - 10) more products changed the same way") }
        summary.overwritten = names
    }

    /// `.temporary()` outputs whose readers have all succeeded since they were made: removed, and
    /// remembered as removed on purpose (`TemporaryOutputs`).
    private func removeUsedTemporaries() {
        let removed = Builder.removeUsedTemporaries(graph: graph, state: state, plan: plan, fileSystem: fileSystem)
        if verbose && removed > 0 { say("removed the outputs of \(removed) temporary step\(removed == 1 ? "" : "s"), all their readers built") }
    }

    /// (Also called when a build has nothing to run.) Returns how many steps' outputs were removed.
    @discardableResult
    public static func removeUsedTemporaries(graph: Graph, state: StateStore, plan: Plan, fileSystem: FileSystem) -> Int {
        guard graph.description.rules.contains(where: \.isTemporary), let disk = fileSystem as? DiskFileSystem,
              let records = try? state.loadRecords(), let failures = try? state.loadFailures() else { return 0 }
        let removed = TemporaryOutputs.removeUsed(graph: graph, records: records, failed: Set(failures.keys),
                                                  settled: { !plan.contains($0) || plan.hasSucceeded($0) }, in: disk)
        try? state.markTemporariesRemoved(removed, at: Date().timeIntervalSince1970)
        return removed.count
    }

    /// A build killed before closing its pack left the logs it had packed as plain files too: removed.
    private func finishKilledBuildsPacks(_ writer: LogPackWriter) {
        guard let disk = fileSystem as? DiskFileSystem else { return }
        var killed = false
        for name in LogPackWriter.packs(in: writer.folder, prefix: "build-") where name != writer.name {
            killed = LogPackWriter.finishKilled(folder: writer.folder, name: name) { step in
                graph.step(named: step).map { disk.absolute(logPath(of: $0)) }
            } || killed
        }
        if killed { packLeftoverLogs(writer, disk) }
    }

    /// A build killed between recording a step's success and packing its log left that log plain,
    /// and the step, up to date, will not run again to pack it: this build's pack takes it. (A
    /// failed step's log stays plain; a step in this plan packs its earlier log when it starts.)
    private func packLeftoverLogs(_ writer: LogPackWriter, _ disk: DiskFileSystem) {
        let failures = (try? state.loadFailures()) ?? [:]
        let root = disk.absolute(logsDirectory)
        guard let files = FileManager.default.enumerator(atPath: root) else { return }
        for case let file as String in files where file.hasSuffix(".log") {
            let parts = file.dropLast(4).split(separator: "/", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            let name = parts[1] == parts[0] ? parts[0] : parts[0] + "/" + parts[1]
            guard let step = graph.step(named: name), logPath(of: step) == logsDirectory + "/" + file,
                  !plan.contains(Int32(step)), let record = scanner.records[name],
                  (failures[name]?.failedAt ?? 0) <= record.finishedAt else { continue }
            logFolders.insert((logPath(of: step) as NSString).deletingLastPathComponent)
            writer.take(step: name, logPath: root + "/" + file)
        }
    }

    /// Folders whose logs were all packed are removed (deepest first; one still holding a file stays).
    private func removeEmptyLogFolders() {
        guard let disk = fileSystem as? DiskFileSystem else { return }
        var folders: Set<String> = []
        for folder in logFolders {
            var f = folder
            while f.hasPrefix(logsDirectory + "/") { folders.insert(f); f = (f as NSString).deletingLastPathComponent }
        }
        for folder in folders.sorted(by: { $0.count > $1.count }) { rmdir(disk.absolute(folder)) }
    }

    public func logPath(of step: Int) -> String { Builder.logPath(of: step, in: graph, logsDirectory: logsDirectory) }

    /// `logs/<rule>/<rest of the name>.log` (`logs/<rule>/<rule>.log` for a rule's only step).
    public static func logPath(of step: Int, in graph: Graph, logsDirectory: String = "logs") -> String {
        let name = graph.name(step)
        let rule = graph.rule(of: step).name
        let file = name == rule ? rule : String(name.dropFirst(rule.count + 1))
        return "\(logsDirectory)/\(rule)/\(file).log"
    }

    /// The job for a step about to start, or nil when it turned out clean (its upstream steps
    /// rebuilt byte-identical outputs). A step whose upstream steps have not finished yet (handed to
    /// a scheduler with them) carries the check, and the array task decides.
    func prepare(_ step32: Int32) -> StepJob? {
        let step = Int(step32)
        var cutoff: CutoffCheck?
        if case .upstream = plan.reason(of: step32) {
            if plan.isReady(step32) && !graph.dependencies(of: step).contains(where: awaitedElsewhere.contains) {
                if scanner.ownReason(step) == nil {
                    summary.cutOff += 1
                    progress?.skipped(rule: graph.rule(of: step).name)
                    if verbose { say("clean after all: \(graph.name(step)) (its inputs came out unchanged)") }
                    return nil
                }
            } else {
                cutoff = remoteCutoff(step)
            }
        }
        let outputs = graph.outputs(of: step)
        let rule = graph.rule(of: step)
        let name = graph.name(step)
        if plan.reason(of: step32) == .interrupted && !rule.keepsOutputsOnFailure {
            // Whatever the killed run wrote is not trusted; what it never touched stays.
            (startSnapshots[name] ?? OutputSnapshot(facts: [])).removeTouched(outputs, in: fileSystem)   // none known: all
        }
        for output in outputs { fileSystem.createParentDirectories(of: output) }
        let log = logPath(of: step)
        fileSystem.createParentDirectories(of: log)
        if let logPacker, let disk = fileSystem as? DiskFileSystem {
            logFolders.insert((log as NSString).deletingLastPathComponent)
            logPacker.take(step: name, logPath: disk.absolute(log), removeNow: true)      // an earlier attempt's log is kept, packed
        }
        let staging = stagesOutputs && graph.staging(of: step).isStaged
            ? StagedOutputs(step: name, outputs: outputs, roots: graph.roots, key: stagingSlots ? takeSlot(step32) : nil) : nil
        if rule.isProtected, let disk = fileSystem as? DiskFileSystem {
            // Run again on purpose (--rebuild-protected): a recipe that writes in place may write, and
            // a read-only folder product can be swapped for its successor (renaming a folder needs its write bit).
            var info = stat()
            for output in outputs where stat(disk.absolute(output), &info) == 0 { chmod(disk.absolute(output), info.st_mode | 0o200) }
        }
        var job = StepJob(step: step32, name: name, rule: rule.name,
                          command: RecipeText.expand(step: step, in: graph, writtenTo: staging?.paths),
                          inputs: graph.inputs(of: step), outputs: outputs, logPath: log, resources: rule.resources,
                          environment: rule.checkpointing ? attemptEnvironment(name) : [:],
                          before: OutputSnapshot(outputs, in: fileSystem), cutoff: cutoff)
        job.staging = staging
        return job
    }

    /// What an array task compares before running a step that runs only if its inputs change.
    private func remoteCutoff(_ step: Int) -> CutoffCheck {
        let record = scanner.records[graph.name(step)]
        let inputs = graph.inputIDs(of: step)
        if graph.rule(of: step).staleness == .hash, let record, record.inputHashes.count == inputs.count {
            return CutoffCheck(inputHashes: record.inputHashes)
        }
        return CutoffCheck(inputHashes: nil)
    }

    /// DBUILD_ATTEMPT and DBUILD_PREVIOUS_EXIT for a checkpointing step's next run.
    private func attemptEnvironment(_ name: String) -> [String: String] {
        let previous = (try? state.attempt(of: name)) ?? nil
        return ["DBUILD_ATTEMPT": String((previous?.count ?? 0) + 1), "DBUILD_PREVIOUS_EXIT": previous?.lastEnd ?? ""]
    }

    private func willStart(_ jobs: [StepJob], _ backend: Backend, except later: Set<Int32> = []) {
        let jobs = later.isEmpty ? jobs : jobs.filter { !later.contains($0.step) }
        do {
            if backend.runsStepsHere {
                try state.markStarted(jobs.map(\.name), at: Date().timeIntervalSince1970, before: jobs.map(\.before))
            }
            try state.noteAttemptsStarted(jobs.filter { graph.rule(of: Int($0.step)).checkpointing }.map(\.name))
        } catch {
            say("dbuild: warning: cannot record that steps started: \(error)")
        }
        let now = Date().timeIntervalSince1970
        for job in jobs {
            startedCount += 1
            startTimes[job.step] = now
            guard backend.runsStepsHere else { continue }
            if let progress { progress.started(job.name, rule: graph.rule(of: Int(job.step)).name) } else if !quiet { say("[\(startedCount)/\(summary.planned)] \(job.name)") }
            if verbose { say("    \(job.command)") }
        }
    }

    static func tail(ofFile path: String?, lines: Int) -> [String]? {
        guard let path, let text = readFile(path), !text.isEmpty else { return nil }
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines + 1)
            .map(String.init).filter { !$0.isEmpty }.suffix(lines).map { $0 }
    }
}

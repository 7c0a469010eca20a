import Foundation
import Basics
import Rules
import Targets

/// The SLURM backend behind the engine: `start` turns a batch of prepared steps (upstream steps
/// included, chained by dependencies) into job arrays and submits them; `waitForOutcomes` looks at
/// the queue every poll interval and returns how steps ended. Without `wait` it returns nothing to
/// wait for: the scheduler runs the submission alone, and a later dbuild ingests the results.
public final class SlurmBackend: Backend {
    public let graph: Graph
    public let state: StateStore
    public let client: SlurmCommands
    public let policy: SlurmPolicy
    public let wait: Bool
    let projectRoot: String
    let submissionsFolder: String
    let dbuild: String
    public var say: (String) -> Void = { print($0) }
    public var quiet = false
    /// Recorded runs per rule (expected cost; bundles sized on what steps took).
    public var history: [String: RuleHistory] = [:]
    /// What rules' recorded runs used (dry-run figures; requests fitted where asked).
    public var usage: [String: RuleUsage] = [:]
    /// `--max-core-hours`: a submission asking for more is refused.
    public var maxCoreHours: Double?
    /// Steps out with the scheduler: their array's job id and where their result will appear.
    /// nil job id: an adopted step whose array's job id was never learned (sbatch timed out).
    private var inFlight: [Int32: (jobID: String?, result: String?)] = [:]
    private var escalation: [Int32: Escalation] = [:]
    private var submissionCount = 0
    /// The submissions this process made, oldest first, and the newest one's folder.
    private var made: [String] = []
    private var newest: SubmissionContext?
    private lazy var limits: SlurmLimits = (try? client.limits()) ?? SlurmLimits()
    private lazy var tracker = SubmissionTracker(graph: graph, state: state, client: client)
    var now: () -> Date = Date.init

    /// - Parameters:
    ///   - adopted: steps earlier submissions still have out (a restarted dbuild follows them too).
    ///   - submissionsFolder: where submission folders go (`.dbuild/slurm`).
    ///   - dbuild: the executable array tasks run (`dbuild exec …`).
    public init(graph: Graph, state: StateStore, client: SlurmCommands, policy: SlurmPolicy, wait: Bool,
                projectRoot: String, submissionsFolder: String, dbuild: String, adopted: [String: TrackedStep] = [:]) {
        self.graph = graph
        self.state = state
        self.client = client
        self.policy = policy
        self.wait = wait
        self.projectRoot = projectRoot
        self.submissionsFolder = submissionsFolder
        self.dbuild = dbuild
        for (name, tracked) in adopted {
            if let step = graph.step(named: name) { inFlight[Int32(step)] = (tracked.jobID, tracked.resultPath) }
        }
    }

    public var runsStepsHere: Bool { false }
    public var ordersStepsItself: Bool { true }
    public var outstanding: Int { inFlight.count }
    public func hasRoom(for job: StepJob, besides batch: [StepJob]) -> Bool { true }

    /// A wave is out and steps wait for room: the next wave is taken when it has ended.
    private var waveOut = false
    /// Set by a continuation job: the wave this process submits (the first is 1).
    public var wave = 1
    /// The Datafile a continuation job evaluates (absolute).
    public var datafile = ""

    public var takesMoreSteps: Bool { !waveOut || inFlight.isEmpty }

    /// A graph that grows: steps whose outputs the Datafile reads. Without `wait`, a continuation
    /// job evaluates the Datafile again once they have run and submits what it then declares.
    public var regrowAfter: [Int32] = []
    /// The selection the continuation builds after evaluating again (empty: all).
    public var targets: [String] = []
    /// When the chain of submissions began (a continuation never resubmits what failed since).
    public lazy var chainSince: Double = now().timeIntervalSince1970
    /// Earlier submissions of this chain of waves, oldest first (a continuation job's).
    public var chain: [String] = []
    /// Run when the submission (its last wave) has ended, by a small job (`FinishJob`); only
    /// without `wait` (a dbuild that waits runs it itself). "" for no command: the job then only
    /// removes the temporaries the submission used.
    public var onFinish: String?

    public func start(_ jobs: [StepJob], stop: StopSignal) throws -> [Int32] {
        guard !jobs.isEmpty else { return [] }
        _ = chainSince                               // the chain began before anything of it could end
        if waveOut { wave += 1 }                     // waiting here: the wave before has ended
        // Steps of one batch with different escalations go to arrays of their own (the planner groups them).
        let base = SlurmSubmitter.newID(now: now())
        var id = base
        var k = 0
        while FileManager.default.fileExists(atPath: submissionsFolder + "/" + id) {   // two in one second
            k += 1
            id = base + "-\(k)"
        }
        submissionCount += 1
        made.append(id)
        let context = SubmissionContext(id: id, projectRoot: projectRoot, folder: submissionsFolder + "/" + id, dbuild: dbuild)
        let submitter = try SlurmSubmitter(graph: graph, jobs: jobs, limits: limits, context: context,
                                       inFlight: inFlight.compactMapValues(\.jobID),
                                       earlierResults: inFlight.compactMapValues(\.result), escalation: escalation,
                                       history: history, usage: usage, maxCoreHours: maxCoreHours, queued: inFlight.count + (wave > 1 && !wait ? 1 : 0)   // a continuation job counts itself
                                           + (onFinish != nil && !wait ? 1 : 0),                     // and room for the finish job
                                       continuation: !wait)
        try submitter.writeFolder()
        newest = context
        try WaveChain.markWave(wave, in: context.folder)
        let later = submitter.deferred
        let planned = Set(jobs.map(\.step))
        let grows = wait ? [] : regrowAfter.filter { planned.contains($0) || inFlight[$0] != nil }
        if (!later.isEmpty || !grows.isEmpty) && !wait {
            // Written before anything is submitted: a wave whose continuation never reached the
            // queue is still described, and `status` says how to go on.
            try NextWave(wave: wave, steps: later.map { graph.name(Int($0)) }, grows: grows.map { graph.name(Int($0)) },
                         targets: targets, since: chainSince, chain: chain + [id], onFinish: onFinish).write(to: context.folder)
        }
        let arrays = try submitter.submit(state: state, client: client, attempt: submissionCount)
        let jobIDs = Dictionary(uniqueKeysWithValues: arrays.map { ($0.array, $0.jobID) })
        for job in jobs {
            if let array = submitter.array(of: job.step), let jobID = jobIDs[array] {
                inFlight[job.step] = (jobID, submitter.resultPath(of: job.step))
            }
        }
        let count = jobs.count - later.count
        say("submitted \(count) step\(count == 1 ? "" : "s") as \(arrays.count) job array\(arrays.count == 1 ? "" : "s") ("
            + arrays.map { "\($0.rule): \($0.jobID)" }.joined(separator: ", ") + "); scripts in .dbuild/slurm/\(id)")
        waveOut = !later.isEmpty
        if !later.isEmpty && wait {
            say("\(later.count) more step\(later.count == 1 ? "" : "s") wait for room in the queue: submitted when this wave ends")
        } else if !later.isEmpty {
            try submitContinuation(after: arrays.map(\.jobID), context: context)
        } else if !grows.isEmpty {
            // Only the arrays (here or earlier) that make what the Datafile reads need to have ended.
            try submitContinuation(after: Array(Set(grows.compactMap { inFlight[$0]?.jobID })).sorted(),
                                   context: context)
        } else if let onFinish, !wait {
            // The arrays are out: a finish job sbatch refuses is a warning, never a failed submission.
            do {
                try submitFinishJob(onFinish, after: arrays.map(\.jobID), context: context)
            } catch {
                say("dbuild: warning: the on-finish job could not be submitted (\(error)); the submission runs on, "
                    + "but nothing will run the on-finish command when it ends")
            }
        }
        return later
    }

    /// dbuild stops following its submission (Ctrl-C, a lost login) with steps still out: the
    /// on-finish command it was to run itself goes to a finish job after them. False: nothing is out.
    public func handOverOnFinish(_ command: String) throws -> Bool {
        let jobIDs = Set(inFlight.values.compactMap(\.jobID))
        guard let newest, !jobIDs.isEmpty else { return false }
        try submitFinishJob(command, after: jobIDs.sorted(), context: newest)
        return true
    }

    /// The small job that runs the on-finish command once every array of this (last) wave has ended.
    private func submitFinishJob(_ command: String, after jobIDs: [String], context: SubmissionContext) throws {
        guard !jobIDs.isEmpty else { return }
        var job = FinishJob(command: command, submissions: chain + made, since: chainSince)
        try job.write(to: context.folder)            // before sbatch: a job that starts at once finds it
        let resources = MachineDefaults.current.apply(to: Resources())
        let script = FinishJob.script(context: context, partition: resources.partition, maxTime: limits.partition(resources.partition).maxTime)
        try writeAtomically(Data(script.utf8), to: context.folder + "/" + FinishJob.scriptName)
        job.jobID = try client.submit(script: FinishJob.scriptName, dependency: "--dependency=afterany:" + jobIDs.joined(separator: ":"),
                                      comment: JobComment.onFinish(submission: context.id).text, in: context.folder)
        try job.write(to: context.folder)
        say("on finish: job \(job.jobID!) " + (command.isEmpty ? "removes the temporaries they used" : "runs the on-finish command")
            + " once these arrays have ended")
    }

    /// The small job that submits the next wave once every array of this one (or, for a graph that
    /// grows, every array making what the Datafile reads) has ended.
    private func submitContinuation(after jobIDs: [String], context: SubmissionContext) throws {
        let resources = MachineDefaults.current.apply(to: Resources())
        let script = NextWave.script(context: context, datafile: datafile, wave: wave, partition: resources.partition,
                                     maxTime: limits.partition(resources.partition).maxTime)
        try writeAtomically(Data(script.utf8), to: context.folder + "/" + NextWave.scriptName())
        guard var next = NextWave.read(context.folder), !jobIDs.isEmpty else { return }
        let id = try client.submit(script: NextWave.scriptName(), dependency: "--dependency=afterany:" + jobIDs.joined(separator: ":"),
                                   comment: JobComment.nextWave(submission: context.id).text, in: context.folder)
        next.jobID = id
        try next.write(to: context.folder)
        let later = next.steps.isEmpty ? "" : "\(next.steps.count) more step\(next.steps.count == 1 ? "" : "s") follow in later waves; "
        say("wave \(wave): \(later)job \(id) \(next.continuationTask) (dbuild status shows the waves; dbuild cancel stops the chain)")
    }

    public func waitForOutcomes(stop: StopSignal) throws -> [StepOutcome]? {
        guard wait else { return nil }
        var unansweredSince: Date?
        while true {
            _ = stop.waitForEvents(until: now().addingTimeInterval(policy.pollInterval))
            if stop.isSet { return nil }
            // A controller that is down (restarting, failing over) is waited for: the jobs run on
            // without it, and their results are in files that the next look ingests.
            let report: TrackerReport
            do {
                report = try tracker.refresh()
            } catch let error as SlurmError {
                let since = unansweredSince ?? now()
                unansweredSince = since
                if !policy.keepsWaiting(unansweredFor: now().timeIntervalSince(since)) { throw error }
                if !quiet { say("slurm: the scheduler does not answer (\(error.description.prefix(120))); looking again") }
                continue
            }
            for outcome in report.outcomes { inFlight[outcome.step] = nil }
            if !quiet { say(progressLine(report)) }
            return report.outcomes
        }
    }

    public func retryDelay(after outcome: StepOutcome, attempt: Int) -> Double? {
        let rule = graph.rule(of: Int(outcome.step))
        guard let decision = policy.retry(outcome.end, rule: rule, attempt: attempt, escalation: escalation[outcome.step] ?? Escalation())
        else { return nil }
        escalation[outcome.step] = decision.escalation
        return decision.delay
    }

    private func progressLine(_ report: TrackerReport) -> String {
        let running = report.inFlight.values.filter(\.state.isRunning).count
        let failed = report.outcomes.filter { if case .finished(let exit) = $0.end { return !exit.succeeded }; return false }.count
        return "slurm: \(report.inFlight.count - running) queued, \(running) running, \(report.outcomes.count) just ended"
            + (failed > 0 ? ", \(failed) failed" : "")
    }
}

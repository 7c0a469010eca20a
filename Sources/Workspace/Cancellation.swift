import Foundation
import Basics
import Targets
import Backends

/// `dbuild cancel`: this project's queued and running SLURM tasks for a selection, and the wave
/// chain's continuation jobs. Nothing is removed here: a running task removes what its step touched
/// when SLURM stops it, and a step that never started touched nothing. A running one stays marked to
/// run, with what its outputs were when it started, so the next build removes only what it wrote.
public struct Cancellation {
    /// Steps cancelled, and the array tasks that held them.
    public private(set) var steps = 0
    public private(set) var arrayTasks = 0
    /// The continuation jobs cancelled, and how many steps their later waves will not submit.
    public private(set) var chainJobs: [String] = []
    public private(set) var stepsLeftByTheChain = 0

    /// Takes the project's lock, ingests what ended, stops the chain, then cancels what is still out.
    public static func run(_ project: Project, targets: [String]) throws -> Cancellation {
        try project.lock()
        let (roots, _) = try project.select(targets)
        let selected = Set(roots.map(project.graph.name))
        let state = try project.openState(readOnly: false)
        let report = try project.refreshSubmissions()
        var result = Cancellation()
        try result.stopWaveChain(state)
        let doomed = report.inFlight.values.filter { selected.contains($0.name) }
        guard !doomed.isEmpty else { return result }
        let ids = Set(doomed.compactMap { $0.taskID?.description })
        try SlurmClient().cancel(ids.sorted())
        for step in doomed {
            if let result = step.resultPath, let marker = StartMarker.read(locator: result) {
                try state.markStarted([step.name], at: Date().timeIntervalSince1970, before: [marker.before])
            }
            try state.settleSubmittedStep(step.name)
        }
        for submission in report.activeSubmissions where !(try state.loadSubmittedSteps().contains { $0.submission == submission }) {
            try state.markSubmissionFinished(submission)
        }
        result.steps = doomed.count
        result.arrayTasks = ids.count
        return result
    }

    /// Stops the continuation jobs that would submit later waves: each submission's folder is marked
    /// first (a continuation that starts anyway submits nothing), then its job is cancelled.
    private mutating func stopWaveChain(_ state: StateStore) throws {
        let chain = WaveChain.continuations(of: try state.loadSubmissions(activeOnly: false))
            .filter { !FileManager.default.fileExists(atPath: NextWave.cancelledPath($0.submission.folder)) }
        guard !chain.isEmpty else { return }
        let live = Set(try SlurmClient().queue().filter(\.status.isLive).map(\.status.jobID))
        var left = 0
        var jobs: [String] = []
        for (submission, next) in chain where live.contains(next.jobID!) {
            try writeAtomically(Data("cancelled by dbuild cancel\n".utf8), to: NextWave.cancelledPath(submission.folder))
            jobs.append(next.jobID!)
            left = next.steps.count
        }
        guard !jobs.isEmpty else { return }
        try SlurmClient().cancel(jobs)
        chainJobs = jobs
        stepsLeftByTheChain = left
    }
}

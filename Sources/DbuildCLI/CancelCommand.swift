import ArgumentParser
import Foundation
import Workspace
import Basics
import Targets
import Backends

/// `dbuild cancel [prefix]`: cancels this project's queued and running SLURM tasks for the selection.
struct CancelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel this project's SLURM jobs.")

    @OptionGroup var project: ProjectOptions
    @Argument(help: "Step names or prefixes (default: all of this project's jobs).") var targets: [String] = []

    func run() throws {
        let project = try Project(options: self.project)
        try project.lock()
        let (roots, _) = try project.select(targets)
        let selected = Set(roots.map(project.graph.name))
        let state = try project.openState(readOnly: false)
        let report = try project.refreshSubmissions()
        let chain = try stopWaveChain(state)
        let doomed = report.inFlight.values.filter { selected.contains($0.name) }
        guard !doomed.isEmpty else {
            if chain > 0 { return }
            print("Nothing to cancel: no selected step is queued or running.")
            return
        }
        let ids = Set(doomed.compactMap { $0.taskID?.description })
        try SlurmClient().cancel(ids.sorted())
        // Nothing is removed here: a running task removes what its step touched when SLURM stops it,
        // and a step that never started touched nothing. A running one stays marked to run, with
        // what its outputs were when it started, so the next build removes only what it wrote.
        for step in doomed {
            if let result = step.resultPath, let marker = StartMarker.read(locator: result) {
                try state.markStarted([step.name], at: Date().timeIntervalSince1970, before: [marker.before])
            }
            try state.settleSubmittedStep(step.name)
        }
        for submission in report.activeSubmissions where !(try state.loadSubmittedSteps().contains { $0.submission == submission }) {
            try state.markSubmissionFinished(submission)
        }
        print("Cancelled \(doomed.count) step\(doomed.count == 1 ? "" : "s") (\(ids.count) array task\(ids.count == 1 ? "" : "s")).")
    }

    /// Stops the continuation jobs that would submit later waves: each submission's folder is marked
    /// first (a continuation that starts anyway submits nothing), then its job is cancelled.
    /// Returns how many steps will not be submitted.
    private func stopWaveChain(_ state: StateStore) throws -> Int {
        let chain = WaveChain.continuations(of: try state.loadSubmissions(activeOnly: false))
            .filter { !FileManager.default.fileExists(atPath: NextWave.cancelledPath($0.submission.folder)) }
        guard !chain.isEmpty else { return 0 }
        let live = Set(try SlurmClient().queue().filter(\.status.isLive).map(\.status.jobID))
        var left = 0
        var jobs: [String] = []
        for (submission, next) in chain where live.contains(next.jobID!) {
            let marker = NextWave.cancelledPath(submission.folder)
            try writeAtomically(Data("cancelled by dbuild cancel\n".utf8), to: marker)
            jobs.append(next.jobID!)
            left = next.steps.count
        }
        guard !jobs.isEmpty else { return 0 }
        try SlurmClient().cancel(jobs)
        print("Stopped the wave chain (job\(jobs.count == 1 ? "" : "s") \(jobs.joined(separator: ", "))): the \(left) step\(left == 1 ? "" : "s") "
              + "left for later waves are not submitted; dbuild all --backend slurm submits them")
        return left
    }
}

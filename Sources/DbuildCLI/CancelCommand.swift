import ArgumentParser
import Foundation
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
        let report = try project.tracker(state: state).refresh()
        let doomed = report.inFlight.values.filter { selected.contains($0.name) }
        guard !doomed.isEmpty else {
            print("Nothing to cancel: no selected step is queued or running.")
            return
        }
        let ids = Set(doomed.compactMap { t in t.jobID.map { "\($0)_\(t.task)" } })
        try SlurmClient().cancel(ids.sorted())
        for step in doomed {
            if let index = project.graph.step(named: step.name), !project.graph.rule(of: index).keepsOutputsOnFailure {
                project.graph.outputs(of: index).forEach(project.fileSystem.removeFile)
            }
            try state.settleSubmittedStep(step.name)
        }
        for submission in report.activeSubmissions where !(try state.loadSubmittedSteps().contains { $0.submission == submission }) {
            try state.markSubmissionFinished(submission)
        }
        print("Cancelled \(doomed.count) step\(doomed.count == 1 ? "" : "s") (\(ids.count) array task\(ids.count == 1 ? "" : "s")).")
    }
}

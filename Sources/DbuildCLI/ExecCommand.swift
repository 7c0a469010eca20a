import ArgumentParser
import Foundation
import Workspace
import Backends

/// `dbuild exec <submission folder> <array> <task>`: what each SLURM array task runs. Needs neither
/// the Datafile nor the state store, only the submission's manifest.
struct ExecCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec", abstract: "Run one array task of a submission (called by the sbatch scripts).",
        shouldDisplay: false)

    @Argument(help: "The submission folder.") var submission: String
    @Argument(help: "The job array's index in the submission.") var array: Int
    @Argument(help: "The array task (SLURM_ARRAY_TASK_ID).") var task: Int

    func run() throws {
        let stop = StopSignal()
        stop.installHandlers()
        let status: Int32
        do {
            status = try TaskRunner.run(submission: submission, array: array, task: task, stop: stop)
        } catch {
            throw DbuildFailure.setup("dbuild exec: \(error)")
        }
        if status != 0 { throw ExitCode(status) }
    }
}

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
        Self.removeOwnOutputIfEmpty()
        if status != 0 { throw ExitCode(status) }
    }

    /// SLURM's own output of this task (`logs/<rule>/slurm-<job>_<task>.out`, set by `SbatchScript`) is
    /// nearly always empty — a task's steps log on their own — and one file per task piles up in the
    /// inode budget: an empty one goes when the task ends. (What SLURM writes after, a cancellation
    /// notice, comes only to tasks stopped before this point, whose file stays.)
    static func removeOwnOutputIfEmpty() {
        let environment = ProcessInfo.processInfo.environment
        guard let job = environment["SLURM_ARRAY_JOB_ID"], let task = environment["SLURM_ARRAY_TASK_ID"],
              let output = environment["DBUILD_SLURM_OUTPUT_DIR"] else { return }
        let path = "\(output)/slurm-\(job)_\(task).out"
        var info = stat()
        if stat(path, &info) == 0, info.st_size == 0, info.st_mode & S_IFMT == S_IFREG { unlink(path) }
    }
}

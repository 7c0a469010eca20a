import ArgumentParser
import Foundation
import Workspace
import Basics
import Targets
import Backends

/// `dbuild on-finish FOLDER`, run by a submission's finish job once its arrays have ended: ingests
/// the results (as `status` does), judges every step of the chain's submissions, and runs the
/// on-finish command with that summary (`FinishJob`). Its exit status is the command's.
struct OnFinishCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "on-finish", abstract: "Run a submission's on-finish command (called by its finish job).",
        shouldDisplay: false)

    @OptionGroup var project: ProjectOptions
    @Argument(help: "The submission folder.") var submission: String

    func run() throws {
        let folder = submission.hasPrefix("/") ? submission : FileManager.default.currentDirectoryPath + "/" + submission
        guard let job = FinishJob.read(folder) else {
            throw DbuildFailure.usage("\(FinishJob.path(folder)) is missing or unreadable: this submission has no on-finish command")
        }
        // A Datafile edited since (or broken) must not silence the notification: without it, the
        // summary is judged from what the state already holds, nothing ingested.
        let run: FinishRun
        do {
            run = FinishRun(project: try Project(options: self.project))
        } catch {
            let dotDbuild = ((folder as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent
            print("dbuild: the Datafile could not be loaded (\(error)); the summary counts what the state holds")
            run = FinishRun(root: (dotDbuild as NSString).deletingLastPathComponent, dotDbuild: dotDbuild)
        }
        let result = try run.slurm(job, folder: folder)
        if let result, !result.succeeded { throw ExitCode(result.exitStatus) }
    }
}

import ArgumentParser
import Foundation
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
        let project = try Project(options: self.project)
        let result = try FinishRun(project: project).slurm(job, folder: folder)
        if !result.succeeded { throw ExitCode(result.exitStatus) }
    }
}

/// Where and how the on-finish command runs: a build's own end (local, or a SLURM submission it
/// followed with --wait), or a submission's finish job.
struct FinishRun {
    let project: Project

    /// Local build or followed submission: the command's output goes where dbuild's does; a failure is
    /// one line, and changes nothing else.
    func afterBuild(_ command: String, steps: [String], startedAt: Double, backend: String, interrupted: Bool) throws {
        var summary = FinishSummary(project: project.root, backend: backend, startedAt: startedAt)
        try summary.judge(steps, state: try project.openState(readOnly: true), interrupted: interrupted)
        let result = FinishHook.run(command, summary: summary, in: project.root, summaryFile: project.dotDbuild + "/on-finish.summary.json")
        if !result.succeeded {
            let how = result.exitStatus == 124 ? "did not end within \(Int(FinishHook.timeout)) s and was stopped"
                : "failed (exit status \(result.exitStatus))"
            FileHandle.standardError.write(Data("dbuild: the on-finish command \(how): \(command)\n".utf8))
        }
    }

    /// A finish job (or a last wave that found nothing to submit): every step of the chain's
    /// submissions, judged after ingesting their results; the outcome kept for `status`.
    @discardableResult
    func slurm(_ job: FinishJob, folder: String) throws -> FinishHook.Result {
        _ = try? project.refreshSubmissions()                      // a scheduler that does not answer: judge what was ingested
        var steps: [String] = []
        for id in job.submissions {
            let submissionFolder = project.dotDbuild + "/slurm/" + id
            var array = 0
            while let manifest = try? ArrayManifest.read(folder: submissionFolder, array: array) {
                steps += manifest.tasks.joined().map(\.name)
                array += 1
            }
        }
        var summary = FinishSummary(project: project.root, backend: "slurm", submissions: job.submissions, startedAt: job.since)
        try summary.judge(steps, state: try project.openState(readOnly: true))
        print(summary.line)
        let result = FinishHook.run(job.command, summary: summary, in: project.root, summaryFile: FinishJob.summaryPath(folder),
                                    outputPath: FinishJob.outputPath(folder))
        try writeAtomically(Data(JSONOutput.text(result).utf8), to: FinishJob.resultPath(folder))
        print(result.succeeded ? "on-finish command done" : "on-finish command failed (exit status \(result.exitStatus)); its output: \(FinishJob.outputPath(folder))")
        return result
    }
}

import Foundation
import Basics
import Targets

/// On SLURM without `--wait` nobody stays to run the on-finish command: a tiny job waits (afterany)
/// for every array of the submission — the last wave's, in a chain of waves — and runs
/// `dbuild on-finish FOLDER`, which ingests the results as `status` does and runs the command.
/// Its files sit in the submission's folder: what it will do (`on-finish.json`), the summary it
/// passed (`on-finish.summary.json`), the command's output (`on-finish.out`) and how it ended
/// (`on-finish.result.json`, which `status` reports when the command failed). It also removes the
/// `.temporary()` outputs the submission's steps used (`FinishRun`), and is submitted for that alone
/// when there is no command.
public struct FinishJob: Codable, Equatable, Sendable {
    /// "" when there is no command: the job only removes the temporaries the submission used.
    public var command: String
    /// The submissions whose steps the summary covers: the waves of one chain, oldest first.
    public var submissions: [String]
    /// When the chain's first submission was planned (seconds since 1970).
    public var since: Double
    public var jobID: String?

    public init(command: String, submissions: [String], since: Double) {
        self.command = command
        self.submissions = submissions
        self.since = since
    }

    public static func path(_ folder: String) -> String { folder + "/on-finish.json" }
    public static func summaryPath(_ folder: String) -> String { folder + "/on-finish.summary.json" }
    public static func outputPath(_ folder: String) -> String { folder + "/on-finish.out" }
    public static func resultPath(_ folder: String) -> String { folder + "/on-finish.result.json" }
    public static let scriptName = "on-finish.sbatch"

    public func write(to folder: String) throws {
        try writeAtomically(Data(JSONOutput.text(self).utf8), to: Self.path(folder))
    }

    public static func read(_ folder: String) -> FinishJob? {
        FileManager.default.contents(atPath: path(folder)).flatMap { try? JSONDecoder().decode(FinishJob.self, from: $0) }
    }

    public static func result(_ folder: String) -> FinishHook.Result? {
        FileManager.default.contents(atPath: resultPath(folder)).flatMap { try? JSONDecoder().decode(FinishHook.Result.self, from: $0) }
    }

    /// One core for a few minutes: the command is a notification, not work.
    public static func script(context: SubmissionContext, partition: String?, maxTime: Int?) -> String {
        var lines = ["#!/bin/bash",
                     "# dbuild submission \(context.id): runs the on-finish command (on-finish.json) once every array "
                        + "has ended; its own dependency (afterany) is passed by dbuild",
                     "#SBATCH --job-name=dbuild:on-finish",
                     "#SBATCH --chdir=\(context.projectRoot)",
                     "#SBATCH --output=\(context.folder)/on-finish.job.out",
                     "#SBATCH --ntasks=1",
                     "#SBATCH --cpus-per-task=1",
                     "#SBATCH --time=\(SbatchScript.slurmTime(min(900, maxTime ?? 900)))"]
        if let partition { lines.append("#SBATCH --partition=\(partition)") }
        lines += ["", "exec \(RecipeText.quote(context.dbuild)) on-finish \(RecipeText.quote(context.folder))"]
        return lines.joined(separator: "\n") + "\n"
    }
}

import Foundation
import Basics
import Targets
import Backends

/// Where and how the on-finish command runs: a build's own end (local, or a SLURM submission it
/// followed with --wait), or a submission's finish job.
public struct FinishRun {
    public let root: String
    public let dotDbuild: String
    /// Records what SLURM finished since the last look, as `status` does.
    public let ingest: () -> Void
    /// Of these steps, those up to date now (nil: unknown, without the graph).
    public let upToDate: ([String]) -> Set<String>?
    /// Removes the `.temporary()` outputs whose readers have all succeeded; how many steps' went.
    public let removeUsedTemporaries: () -> Int

    public init(root: String, dotDbuild: String, ingest: @escaping () -> Void = {}, upToDate: @escaping ([String]) -> Set<String>? = { _ in nil },
                removeUsedTemporaries: @escaping () -> Int = { 0 }) {
        self.root = root
        self.dotDbuild = dotDbuild
        self.ingest = ingest
        self.upToDate = upToDate
        self.removeUsedTemporaries = removeUsedTemporaries
    }

    public init(project: Project) {
        self.init(root: project.root, dotDbuild: project.dotDbuild, ingest: {
            // A finish job waits a while for a dbuild holding the project (a status ingesting) to let go.
            guard let look = try? project.look(patience: 120), let writer = look.writer, !look.endedUnrecorded.isEmpty else { return }
            print("dbuild: the dbuild with pid \(writer.pid) on \(writer.host) holds the project and records "
                  + "\(look.endedUnrecorded.count) ended steps itself; the summary counts what the state holds now")
        }, upToDate: { names in
            let graph = project.graph
            let steps = names.compactMap { graph.step(named: $0) }
            guard let scanner = try? project.scanner(state: try project.openState(readOnly: true), forced: false),
                  let reasons = try? project.scan(scanner, needed: Selection.closure(of: steps, in: graph)) else { return nil }
            return Set(steps.filter { reasons[$0] == nil }.map(graph.name))
        }, removeUsedTemporaries: { UsedTemporaries.remove(project, patience: 120) })
    }

    private func state() throws -> StateStore { try Project.openState(dotDbuild: dotDbuild, readOnly: true) }

    /// Local build or followed submission: the command's output goes where dbuild's does; a failure is
    /// one line, and changes nothing else.
    public func afterBuild(_ command: String, steps: [String], startedAt: Double, backend: String, interrupted: Bool) throws {
        var summary = FinishSummary(project: root, backend: backend, startedAt: startedAt)
        try summary.judge(steps, state: try state(), upToDate: upToDate(steps), interrupted: interrupted)
        let result = FinishHook.run(command, summary: summary, in: root, summaryFile: dotDbuild + "/on-finish.summary.json")
        if !result.succeeded {
            let how = result.exitStatus == 124 ? "did not end within \(Int(FinishHook.timeout)) s and was stopped"
                : "failed (exit status \(result.exitStatus))"
            FileHandle.standardError.write(Data("dbuild: the on-finish command \(how): \(command)\n".utf8))
        }
    }

    /// A finish job (or a last wave that found nothing to submit): every step of the chain's
    /// submissions, judged after ingesting their results; the used temporaries removed; the
    /// command's outcome kept for `status` (nil: the job has no command).
    @discardableResult
    public func slurm(_ job: FinishJob, folder: String) throws -> FinishHook.Result? {
        ingest()                                                   // a scheduler that does not answer: judge what was ingested
        var steps: [String] = []
        for id in job.submissions {
            let submissionFolder = dotDbuild + "/slurm/" + id
            var array = 0
            while let manifest = try? ArrayManifest.read(folder: submissionFolder, array: array) {
                steps += manifest.tasks.joined().map(\.name)
                array += 1
            }
        }
        var summary = FinishSummary(project: root, backend: "slurm", submissions: job.submissions, startedAt: job.since)
        try summary.judge(steps, state: try state(), upToDate: upToDate(steps))
        print(summary.line)
        let removed = removeUsedTemporaries()
        if removed > 0 { print("removed the outputs of \(removed) temporary step\(removed == 1 ? "" : "s"), all their readers built") }
        guard !job.command.isEmpty else { return nil }
        let result = FinishHook.run(job.command, summary: summary, in: root, summaryFile: FinishJob.summaryPath(folder),
                                    outputPath: FinishJob.outputPath(folder))
        try writeAtomically(Data(JSONOutput.text(result).utf8), to: FinishJob.resultPath(folder))
        print(result.succeeded ? "on-finish command done" : "on-finish command failed (exit status \(result.exitStatus)); its output: \(FinishJob.outputPath(folder))")
        return result
    }
}

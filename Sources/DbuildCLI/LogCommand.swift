import ArgumentParser
import Backends
import Foundation
import Workspace
import Targets

/// `dbuild log STEP`: a step's latest log, wherever it lives: its plain file (running, or failed) or
/// a pack (succeeded; see `LogPackWriter`). `--all` prints every attempt kept, oldest first.
struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "log", abstract: "Print a step's log (its latest run; --all for earlier ones).")

    @OptionGroup var project: ProjectOptions
    @Argument(help: "A step name or an output path.") var target: String
    @Flag(help: "Every log kept for the step, oldest first, each under a header line.") var all = false

    func run() throws {
        let project = try Project(options: self.project)
        let graph = project.graph
        let (roots, _) = try project.selectOne(target, for: "`dbuild log` prints one step's log")
        let name = graph.name(roots[0])
        let logs = StepLogs.all(step: name, plainPath: project.root + "/" + Builder.logPath(of: roots[0], in: graph),
                                packsFolder: StepLogs.packsFolder(logsDirectory: project.root + "/logs"))
        guard let latest = logs.last else {
            print("dbuild: no log of \(name): it has not run here since logs were kept, or it printed nothing (empty logs are not kept)")
            return
        }
        let runs = all ? ((try? project.openState(readOnly: true).loadRuns(of: name)) ?? []) : []
        for log in all ? logs : [latest] {
            if all { print("== \(name): \(Self.describe(log, root: project.root, ended: Self.outcome(of: log, among: runs))) ==") }
            guard let text = log.text() else {
                throw DbuildFailure.setup("cannot read the log of \(name) at \(log.path)")
            }
            print(text, terminator: text.hasSuffix("\n") || text.isEmpty ? "" : "\n")
        }
    }

    /// "succeeded 2026-12-01 18:04:05, packed in logs/packs/build-….pack", "failed …, logs/R/x.log", or
    /// "ended …" when no recorded run says how.
    static func describe(_ log: StepLog, root: String, ended: String?) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        let when = formatter.string(from: Date(timeIntervalSince1970: log.finishedAt))
        let place = log.path.hasPrefix(root + "/") ? String(log.path.dropFirst(root.count + 1)) : log.path
        return "\(ended ?? "ended") \(when), " + (log.isPlain ? place : "packed in \(place)")
    }

    /// How the run that wrote this log ended: the recorded run that finished nearest its time
    /// (within a minute: a log is closed as its run ends).
    static func outcome(of log: StepLog, among runs: [StepRun]) -> String? {
        guard let run = runs.min(by: { abs($0.finishedAt - log.finishedAt) < abs($1.finishedAt - log.finishedAt) }),
              abs(run.finishedAt - log.finishedAt) < 60 else { return nil }
        return run.outcome == "done" ? "succeeded" : run.outcome
    }
}

import ArgumentParser
import Foundation
import Workspace
import Basics
import Targets
import Backends

/// `dbuild status`: per rule, steps built / queued / running / failed / missing, with SLURM job ids,
/// and the latest failures with their logs. Asks the scheduler at most once.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show the state of builds and submissions.")

    @OptionGroup var project: ProjectOptions
    @Argument(help: "Step names or prefixes (default: all).") var targets: [String] = []
    @Flag(help: "Print the status as JSON (schema \"dbuild.status/1\", described in the README).") var json = false
    @Option(help: ArgumentHelp("Show the status again every SECONDS (10 when left out) until Ctrl-C: redrawn in place on a "
                               + "terminal, as successive blocks elsewhere.", valueName: "seconds"))
    var watch: Double?
    @Flag(help: "With --watch: watch on after everything has settled (the watch ends then otherwise).") var keepWatching = false

    func run() throws {
        guard let interval = watch else {
            let (report, text) = try snapshot()
            print(json ? report.json() : text, terminator: json ? "\n" : "")
            return
        }
        Project.sharedQueueMaxAge = max(1, interval)          // watchers of this project share one squeue per interval
        try StatusWatch(interval: max(1, interval), json: json, keepsWatching: keepWatching) { try snapshot() }.run()
    }

    /// One look: the report, and its text.
    func snapshot() throws -> (report: StatusReport, text: String) {
        let project: Project
        do {
            project = try Project(options: self.project)
        } catch let failure as DbuildFailure {
            // A Datafile that does not evaluate (an edit half-done) must not hide a running submission.
            switch failure {
            case .datafile, .graph: return try StateOnlyStatus.take(datafile: try Project.locateDatafile(self.project.datafile), error: failure)
            default: throw failure
            }
        }
        let snapshot = try StatusSnapshot.take(project, targets: targets)
        let (report, look, state, submissions, own) = (snapshot.report, snapshot.look, snapshot.state, snapshot.submissions, snapshot.own)
        var out = ""
        printText(report, project: project, state: state, own: own, &out)
        if let writer = look.writer, !look.endedUnrecorded.isEmpty {
            let n = look.endedUnrecorded.count
            out.line("\n\(n) step\(n == 1 ? "" : "s") on SLURM ended and \(n == 1 ? "is" : "are") counted as running until the dbuild "
                     + "holding the project (pid \(writer.pid) on \(writer.host)) records \(n == 1 ? "it" : "them") at its next look")
        }
        printWaves(submissions, queue: project.slurmQueue, &out)
        // A failed command is shown until a newer submission has one of its own.
        for hook in report.onFinish where hook.state == "waiting" || hook.submission == report.onFinish.last?.submission {
            switch hook.state {
            case "waiting": out.line("\nOn finish: job \(hook.job ?? "?") runs `\(hook.command)` once submission \(hook.submission) has ended")
            case "failed": out.line("\nOn finish: the command of submission \(hook.submission) failed (exit status \(hook.exitStatus ?? -1)): "
                                    + "`\(hook.command)`; its output: \(hook.output ?? "")")
            default: break
            }
        }
        if !self.project.quiet { out.line("\n" + own.text) }
        return (report, out)
    }

    private func printText(_ report: StatusReport, project: Project, state: StateStore, own: OwnFiles, _ out: inout String) {
        let width = max(4, report.rules.map(\.rule.count).max() ?? 0)
        func pad(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }
        out.line("rule".padding(toLength: width, withPad: " ", startingAt: 0) + "   steps   built  queued running  failed blocked   stale missing  jobs")
        for r in report.rules {
            out.line(r.rule.padding(toLength: width, withPad: " ", startingAt: 0) + pad("\(r.steps)", 8) + pad("\(r.built)", 8)
                  + pad("\(r.queued)", 8) + pad("\(r.running)", 8) + pad("\(r.failed)", 8) + pad("\(r.blocked)", 8) + pad("\(r.stale)", 8)
                  + pad("\(r.missing)", 8)
                  + "  " + r.jobs.joined(separator: ","))
        }
        let removed = report.rules.filter { $0.removed > 0 }
        if !removed.isEmpty {
            out.line("\nOf the built, outputs removed on purpose (temporary, or purged scratch; made again only when a step that reads "
                     + "them must run): " + removed.map { "\($0.rule) \($0.removed)" }.joined(separator: ", "))
        }
        if let build = report.build {
            var line = "\nBuilding here (dbuild pid \(build.pid) on \(build.host)): [\(build.done)/\(build.total)] \(build.running) running"
            if build.failed > 0 { line += ", \(build.failed) failed" }
            line += ", " + ProgressLine.duration(build.elapsedSeconds)
            if let eta = build.etaSeconds, build.done < build.total { line += ", ETA " + ProgressLine.duration(eta) }
            out.line(line)
        }
        if let slurm = report.slurm {
            out.line("\nOn SLURM: \(slurm.running) running, \(slurm.queued) queued"
                     + (slurm.etaSeconds.map { "; ETA " + ProgressLine.duration($0) + " at \(slurm.running) running (recorded run times)" } ?? ""))
        }
        let local = report.running.filter { $0.place == "local" }
        if !local.isEmpty {
            out.line("\nRunning now (longest first):")
            for step in local.prefix(10) { out.line("  \(step.step)  \(ProgressLine.duration(step.elapsedSeconds ?? 0))") }
            if local.count > 10 { out.line("  … and \(local.count - 10) more") }
        }
        if !report.failures.isEmpty {
            out.line("\nFailed (latest first):")
            for failure in report.failures.prefix(10) {
                out.line("  \(failure.step): \(failure.message)\n    log: \(failure.log) (dbuild log \(failure.step))")
                if let text = readFile(project.root + "/" + failure.log) {
                    for line in text.split(separator: "\n").suffix(3) { out.line("    | \(line)") }
                }
            }
            if report.failures.count > 10 { out.line("  … and \(report.failures.count - 10) more") }
        }
        if !report.nearPurge.isEmpty { out.line("\n" + NearPurge.text(report.nearPurge).joined(separator: "\n")) }
        if !self.project.quiet { printCoreHoursUsed(state: state, graph: project.graph, rules: report.rules.map(\.rule), &out) }
        if !report.blocked.isEmpty {
            out.line("\nBlocked (not run; their files untouched; they run once what they need succeeds):")
            for record in report.blocked.prefix(10) { out.line("  \(record.step): \(record.blocker)") }
            if report.blocked.count > 10 { out.line("  … and \(report.blocked.count - 10) more") }
        }
    }

    /// Where a campaign submitted in waves stands: the wave out and the job that submits the next.
    private func printWaves(_ submissions: [SubmissionRecord], queue client: SlurmCommands, _ out: inout String) {
        guard let newest = submissions.last, WaveChain.wave(of: newest.folder) > 1 || NextWave.read(newest.folder) != nil else { return }
        var live: [String: SlurmState] = [:]
        if NextWave.read(newest.folder)?.jobID != nil, let queue = try? client.queue() {
            for (task, _) in queue where task.isLive { live[task.jobID] = task.state }
        }
        for line in WaveChain.statusLines(submissions, live: live) { out.line("\nWaves: " + line) }
    }

    /// Core-hours the selected rules' recorded runs used: seconds × the cores a step of the rule holds.
    private func printCoreHoursUsed(state: StateStore, graph: Graph, rules: [String], _ out: inout String) {
        let used = CoreHoursUsed(state: state, graph: graph, rules: rules)
        guard !used.rows.isEmpty else { return }
        out.line("\nCore-hours used by recorded runs (run time × the rule's cores): "
              + used.rows.map { "\($0.rule) \(String(format: "%.2f", $0.coreHours)) (\($0.runs) run\($0.runs == 1 ? "" : "s"))" }
                .joined(separator: ", "))
    }
}

extension String {
    /// Appends `text` and a newline (the status is built as text, then printed or redrawn).
    mutating func line(_ text: String) { self += text + "\n" }
}

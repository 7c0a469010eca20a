import ArgumentParser
import Foundation
import Targets
import Backends

/// `dbuild status`: per rule, steps built / queued / running / failed / missing, with SLURM job ids,
/// and the latest failures with their logs. Asks the scheduler at most once.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show the state of builds and submissions.")

    @OptionGroup var project: ProjectOptions
    @Argument(help: "Step names or prefixes (default: all).") var targets: [String] = []

    func run() throws {
        let project = try Project(options: self.project)
        let graph = project.graph
        let (roots, _) = try project.select(targets)
        var tracked: [String: TrackedStep] = [:]
        let readOnly = try project.openState(readOnly: true)
        if !(try readOnly.loadSubmissions(activeOnly: true)).isEmpty {
            tracked = try project.refreshSubmissions().inFlight
        }
        let state = try project.openState(readOnly: true)
        let scanner = try project.scanner(state: state, forced: false)
        let reasons = try project.scan(scanner, needed: Selection.closure(of: roots, in: graph))
        let failures = try state.loadFailures()
        let blocked = try state.loadBlocked()

        struct Row { var steps = 0, built = 0, queued = 0, running = 0, failed = 0, blocked = 0, stale = 0, missing = 0; var jobs = Set<String>() }
        var rows: [String: Row] = [:]
        var order: [String] = []
        for step in roots {
            let name = graph.name(step), rule = graph.rule(of: step).name
            if rows[rule] == nil { order.append(rule) }
            var row = rows[rule] ?? Row()
            row.steps += 1
            if let t = tracked[name] {
                if t.state == "RUNNING" || t.state == "COMPLETING" { row.running += 1 } else { row.queued += 1 }
                if let job = t.jobID { row.jobs.insert(job) }
            } else if reasons[step] == nil {
                row.built += 1
            } else if failures[name] != nil {
                row.failed += 1
            } else if blocked[name] != nil {
                row.blocked += 1
            } else if case .missingOutput? = reasons[step] {
                row.missing += 1
            } else {
                row.stale += 1
            }
            rows[rule] = row
        }
        let width = max(4, order.map(\.count).max() ?? 0)
        func pad(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }
        print("rule".padding(toLength: width, withPad: " ", startingAt: 0) + "   steps   built  queued running  failed blocked   stale missing  jobs")
        for rule in order {
            let r = rows[rule]!
            print(rule.padding(toLength: width, withPad: " ", startingAt: 0) + pad("\(r.steps)", 8) + pad("\(r.built)", 8)
                  + pad("\(r.queued)", 8) + pad("\(r.running)", 8) + pad("\(r.failed)", 8) + pad("\(r.blocked)", 8) + pad("\(r.stale)", 8)
                  + pad("\(r.missing)", 8)
                  + "  " + r.jobs.sorted().joined(separator: ","))
        }
        let selected = Set(roots.map(graph.name))
        let recent = failures.filter { selected.contains($0.key) && tracked[$0.key] == nil && reasons[graph.step(named: $0.key) ?? 0] != nil }
            .sorted { $0.value.failedAt > $1.value.failedAt }
        if !recent.isEmpty {
            print("\nFailed (latest first):")
            for (name, failure) in recent.prefix(10) {
                print("  \(name): \(failure.message)\n    log: \(failure.logPath) (dbuild log \(name))")
                if let text = readFile(project.root + "/" + failure.logPath) {
                    for line in text.split(separator: "\n").suffix(3) { print("    | \(line)") }
                }
            }
            if recent.count > 10 { print("  … and \(recent.count - 10) more") }
        }
        if !self.project.quiet { printCoreHoursUsed(state: state, graph: graph, rules: order) }
        let waiting = blocked.filter { selected.contains($0.key) && tracked[$0.key] == nil && failures[$0.key] == nil
            && reasons[graph.step(named: $0.key) ?? 0] != nil }.sorted { $0.key < $1.key }
        if !waiting.isEmpty {
            print("\nBlocked (not run; their files untouched; they run once what they need succeeds):")
            for (name, record) in waiting.prefix(10) { print("  \(name): \(record.blocker)") }
            if waiting.count > 10 { print("  … and \(waiting.count - 10) more") }
        }
        printWaves(try readOnly.loadSubmissions(activeOnly: false))
        if !self.project.quiet { print("\n" + OwnFiles.count(root: project.root, dotDbuild: project.dotDbuild).text) }
    }

    /// Where a campaign submitted in waves stands: the wave out and the job that submits the next.
    private func printWaves(_ submissions: [SubmissionRecord]) {
        guard let newest = submissions.last, WaveChain.wave(of: newest.folder) > 1 || NextWave.read(newest.folder) != nil else { return }
        var live: [String: String] = [:]
        if NextWave.read(newest.folder)?.jobID != nil, let queue = try? SlurmClient().queue() {
            for (task, _) in queue where task.isLive { live[task.jobID] = task.state }
        }
        for line in WaveChain.statusLines(submissions, live: live) { print("\nWaves: " + line) }
    }

    /// Core-hours the selected rules' recorded runs used: seconds × the cores a step of the rule holds.
    private func printCoreHoursUsed(state: StateStore, graph: Graph, rules: [String]) {
        let used = CoreHoursUsed(state: state, graph: graph, rules: rules)
        guard !used.rows.isEmpty else { return }
        print("\nCore-hours used by recorded runs (run time × the rule's cores): "
              + used.rows.map { "\($0.rule) \(String(format: "%.2f", $0.coreHours)) (\($0.runs) run\($0.runs == 1 ? "" : "s"))" }
                .joined(separator: ", "))
    }
}

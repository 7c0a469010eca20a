import Foundation
import Rules
import Targets

/// The totals printed at the end of a build.
public struct BuildSummary: Equatable, Sendable {
    public var planned = 0
    public var ran = 0
    public var succeeded = 0
    public var failed = 0
    /// Planned because an upstream step would run, then found clean when it came out unchanged.
    public var cutOff = 0
    /// Not run because a step they need failed.
    public var blocked = 0
    public var notStarted = 0
    public var interrupted = false
    public var failures: [String] = []
    /// Steps whose products another recipe overwrote during the build (remade next run).
    public var overwritten: [String] = []

    public init() {}
}

/// Joins a plan, the state store and a backend: prepares each step (early cutoff, folders), marks it
/// started, judges its result (exit 0 *and* every output present), records it, and removes the outputs
/// of a step that failed. One loop for every backend, so they all keep the same promises.
public final class Builder: BuildDelegate {
    public let graph: Graph
    public let plan: Plan
    public let scanner: StalenessScanner
    public let state: StateStore
    public let logsDirectory: String
    public var say: (String) -> Void = { print($0) }
    public var quiet = false
    public var verbose = false
    /// The live progress display; when nil, each start is a plain "[k/N] name" line through `say`.
    public var progress: ProgressReporter?
    /// Identifies this build's rows in the state's run history (the report's timeline).
    public let buildID = String(Int(Date().timeIntervalSince1970 * 1000))
    private var startTimes: [Int32: Double] = [:]
    private let host = ProcessInfo.processInfo.hostName
    public private(set) var summary = BuildSummary()
    private var fileSystem: FileSystem { scanner.statuses.fileSystem }
    private var startedCount = 0

    public init(graph: Graph, plan: Plan, scanner: StalenessScanner, state: StateStore, logsDirectory: String = "logs") {
        self.graph = graph
        self.plan = plan
        self.scanner = scanner
        self.state = state
        self.logsDirectory = logsDirectory
        summary.planned = plan.steps.count
    }

    /// Runs the plan on `backend` and returns the totals.
    public func run(on backend: Backend, keepGoing: Bool, stop: StopSignal) -> BuildSummary {
        summary.interrupted = backend.execute(plan, delegate: self, keepGoing: keepGoing, stop: stop)
        if summary.ran > 0 { distrustProductsWrittenBehindTheirSteps() }
        summary.blocked = plan.blocked.count
        summary.notStarted = summary.planned - summary.ran - summary.cutOff - summary.blocked
        try? state.saveHashes(scanner.hashes.takeFresh())
        return summary
    }

    /// A recipe that writes outside its declared outputs can overwrite another step's product. Products
    /// seen before the build that changed during it, though their own step did not run, are reported
    /// and their steps marked interrupted: the next run removes and remakes them instead of trusting
    /// them. (Writes to paths the graph does not know cannot harm its products and are not looked for.)
    private func distrustProductsWrittenBehindTheirSteps() {
        let changed = scanner.statuses.changedSinceSeen().filter { graph.producer[Int($0)] >= 0 }
        guard !changed.isEmpty else { return }
        let steps = Set(changed.map { graph.producer[Int($0)] })
        let names = steps.sorted().map { graph.name(Int($0)) }
        try? state.markStarted(names, at: Date().timeIntervalSince1970)
        for id in changed.prefix(10) {
            say("dbuild: warning: \(graph.string(id)) changed during this build, but its step \(graph.name(Int(graph.producer[Int(id)]))) "
                + "did not run: a recipe wrote outside its declared outputs. The product is not trusted; the next run remakes it.")
        }
        if changed.count > 10 { say("dbuild: warning: … and \(changed.count - 10) more products changed the same way") }
        summary.overwritten = names
    }

    public func logPath(of step: Int) -> String { Builder.logPath(of: step, in: graph, logsDirectory: logsDirectory) }

    /// `logs/<rule>/<rest of the name>.log` (`logs/<rule>/<rule>.log` for a rule's only step).
    public static func logPath(of step: Int, in graph: Graph, logsDirectory: String = "logs") -> String {
        let name = graph.name(step)
        let rule = graph.rule(of: step).name
        let file = name == rule ? rule : String(name.dropFirst(rule.count + 1))
        return "\(logsDirectory)/\(rule)/\(file).log"
    }

    public func prepare(_ step32: Int32) -> StepJob? {
        let step = Int(step32)
        if case .upstream = plan.reason(of: step32), scanner.ownReason(step) == nil {
            summary.cutOff += 1
            progress?.skipped(rule: graph.rule(of: step).name)
            if verbose { say("clean after all: \(graph.name(step)) (its inputs came out unchanged)") }
            return nil
        }
        let outputs = graph.outputs(of: step)
        let rule = graph.rule(of: step)
        if plan.reason(of: step32) == .interrupted && !rule.keepsOutputsOnFailure {
            outputs.forEach(fileSystem.removeFile)       // whatever the killed run left is not trusted
        }
        for output in outputs { fileSystem.createParentDirectories(of: output) }
        let log = logPath(of: step)
        fileSystem.createParentDirectories(of: log)
        return StepJob(step: step32, name: graph.name(step), rule: rule.name,
                       command: Launch.local(RecipeText.expand(step: step, in: graph), rule.resources), outputs: outputs, logPath: log,
                       resources: rule.resources, environment: rule.checkpointing ? attemptEnvironment(graph.name(step)) : [:])
    }

    /// DBUILD_ATTEMPT and DBUILD_PREVIOUS_EXIT for a checkpointing step's next run.
    private func attemptEnvironment(_ name: String) -> [String: String] {
        let previous = (try? state.attempt(of: name)) ?? nil
        return ["DBUILD_ATTEMPT": String((previous?.count ?? 0) + 1), "DBUILD_PREVIOUS_EXIT": previous?.lastEnd ?? ""]
    }

    public func willStart(_ jobs: [StepJob]) {
        do {
            try state.markStarted(jobs.map(\.name), at: Date().timeIntervalSince1970)
            try state.noteAttemptsStarted(jobs.filter { graph.rule(of: Int($0.step)).checkpointing }.map(\.name))
        } catch {
            say("dbuild: warning: cannot record that steps started: \(error)")
        }
        let now = Date().timeIntervalSince1970
        for job in jobs {
            startedCount += 1
            startTimes[job.step] = now
            if let progress { progress.started(job.name) } else if !quiet { say("[\(startedCount)/\(summary.planned)] \(job.name)") }
            if verbose { say("    \(job.command)") }
        }
    }

    public func finished(_ job: StepJob, _ end: StepEnd, seconds: Double) -> Bool {
        let step = Int(job.step)
        summary.ran += 1
        for id in graph.description.outputs(ofStep: step) { scanner.statuses.invalidate(id) }
        let missing = job.outputs.filter { fileSystem.status($0) == nil }
        let minimum = Int64(graph.rule(of: step).minimumOutputBytes)
        let small = job.outputs.filter { (fileSystem.status($0)?.size ?? minimum) < minimum }
        var problem: String?
        switch end {
        case .finished(let exit) where exit.succeeded:
            if !missing.isEmpty {
                problem = "exited 0 but did not write \(missing.count == 1 ? "its output" : "\(missing.count) of its outputs"): "
                    + missing.prefix(3).joined(separator: ", ") + (missing.count > 3 ? ", …" : "")
            } else if let first = small.first {
                problem = "exited 0 but wrote \(first) smaller than the rule's expect(minBytes: \(minimum))"
            }
        case .finished(let exit): problem = "failed (\(exit.text))"
        case .timedOut(let limit): problem = "ran past its time limit of \(limit) s and was stopped"
        case .couldNotStart(let why): problem = "could not start: \(why)"
        case .stopped: problem = "stopped before it finished"
        }
        let finishedAt = Date().timeIntervalSince1970
        let run = StepRun(build: buildID, name: job.name, rule: job.rule, startedAt: startTimes[job.step] ?? finishedAt - seconds,
                          finishedAt: finishedAt, host: host, outcome: problem == nil ? "done" : end == .stopped ? "stopped" : "failed")
        try? state.recordRun(run)
        progress?.finished(rule: job.rule, succeeded: problem == nil)
        if let problem {
            recordFailure(job, problem: problem, end: end)
            return false
        }
        let record = scanner.record(of: step, duration: seconds, finishedAt: Date().timeIntervalSince1970)
        do {
            try state.recordSuccess(job.name, record)
        } catch {
            say("dbuild: warning: \(job.name) finished but could not be recorded (\(error)); it will be checked again next run")
        }
        summary.succeeded += 1
        return true
    }

    private func recordFailure(_ job: StepJob, problem: String, end: StepEnd) {
        let step = Int(job.step)
        let keep = graph.rule(of: step).keepsOutputsOnFailure
        if !keep {
            for output in job.outputs { fileSystem.removeFile(output) }
        }
        let exitStatus: Int
        switch end {
        case .finished(.exited(let code)): exitStatus = Int(code)
        case .finished(.signaled(let signal)): exitStatus = 128 + Int(signal)
        default: exitStatus = -1
        }
        let checkpointing = graph.rule(of: step).checkpointing
        if end == .stopped {
            try? state.forget([job.name], keepingAttempts: checkpointing)
            try? state.noteUnfinished(job.name, keepsFiles: keep, checkpointing: checkpointing, end: "stopped: dbuild was interrupted",
                                      at: Date().timeIntervalSince1970)
            if !quiet { say("stopped: \(job.name)\(keep ? " (its files are kept for the next attempt)" : " (its outputs were removed)")") }
            return
        }
        summary.failed += 1
        summary.failures.append(job.name)
        try? state.recordFailure(job.name, FailureRecord(exitStatus: exitStatus, logPath: job.logPath, message: problem,
                                                        failedAt: Date().timeIntervalSince1970))
        try? state.noteUnfinished(job.name, keepsFiles: keep, checkpointing: checkpointing, end: problem,
                                  at: Date().timeIntervalSince1970)
        var lines = ["FAILED: \(job.name) \(problem)", "    log: \(job.logPath)"]
        if let tail = Builder.tail(ofFile: (fileSystem as? DiskFileSystem)?.absolute(job.logPath), lines: 5) {
            lines += tail.map { "    | " + $0 }
        }
        if !keep && !job.outputs.isEmpty { lines.append("    its outputs were removed, so nothing half-made is trusted") }
        if keep && !job.outputs.isEmpty { lines.append("    its files are kept for the next attempt, which runs it again") }
        say(lines.joined(separator: "\n"))
    }

    static func tail(ofFile path: String?, lines: Int) -> [String]? {
        guard let path, let text = readFile(path), !text.isEmpty else { return nil }
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines + 1)
            .map(String.init).filter { !$0.isEmpty }.suffix(lines).map { $0 }
    }
}

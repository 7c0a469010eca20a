import Foundation
import Rules
import Targets

/// What an outcome means for the plan.
public enum Verdict: Equatable, Sendable {
    /// Ran, and every output is present and sound: recorded.
    case succeeded
    /// Not run: what it reads came out unchanged.
    case cutOff
    /// Ran and failed (or ended without a result): what the attempt touched is removed.
    case failed
    /// Never started because something it needs did not succeed; nothing of it was touched.
    case blocked
    /// Never started, for no failure (cancelled before it started).
    case notStarted
    /// Not the step's fault (preempted, node failure): it runs again.
    case runAgain
    /// dbuild was stopped while it ran.
    case stopped
}

/// Judges one `StepOutcome` and records it: one product check (`ProductCheck`), one state update, the
/// same promises for every backend — a success only when the recipe exited 0 and every output is
/// present and sound; after a failed attempt only the outputs it created or changed are removed;
/// the products of a step that never started are never touched.
public final class OutcomeRecorder {
    public let graph: Graph
    public let state: StateStore
    public let hashes: ContentHashes
    /// Statuses seen by this build's scan, forgotten for each step that ends (it may have written them).
    public let statuses: FileStatusCache?
    public var say: (String) -> Void = { print($0) }
    public var quiet = false
    public var verbose = false
    /// Staging folders emptied by moving their outputs into place, removed together at the build's end.
    public private(set) var committedStaging: Set<String> = []
    /// Identifies this build's rows in the state's run history (the report's timeline).
    public var buildID = String(Int(Date().timeIntervalSince1970 * 1000))
    private let host = ProcessInfo.processInfo.hostName
    private var fileSystem: FileSystem { hashes.fileSystem }

    public init(graph: Graph, state: StateStore, hashes: ContentHashes, statuses: FileStatusCache? = nil) {
        self.graph = graph
        self.state = state
        self.hashes = hashes
        self.statuses = statuses
    }

    /// Records the outcome. `startedAt` and `logPath` come from the job when this process started it.
    public func record(_ outcome: StepOutcome, startedAt: Double? = nil) -> Verdict {
        let step = Int(outcome.step)
        let name = graph.name(step)
        let rule = graph.rule(of: step)
        let outputs = graph.outputs(of: step)
        for id in graph.description.outputs(ofStep: step) { statuses?.invalidate(id) }
        if let staging = outcome.staging, let disk = fileSystem as? DiskFileSystem, !outcome.end.isSuccessfulExit {
            staging.discard(base: disk.root)          // the products it was to replace stay as they were
        }
        if outcome.handedOverAt != nil { try? state.settleSubmittedStep(name) }
        let remote = outcome.host.map { $0 != host } ?? false
        let on = remote ? " on \(outcome.host!)" : ""
        var problem: String
        var exitStatus = -1
        switch outcome.end {
        case .unchanged(let why):
            if verbose { say("clean after all: \(name) (\(why))") }
            try? state.clearBlocked(name)
            return .cutOff
        case .blocked(let why):
            try? state.recordBlocked([(name, why)], at: Date().timeIntervalSince1970, replacing: false)
            return .blocked
        case .notStarted(let why):
            if verbose { say("not started: \(name) (\(why))") }
            return .notStarted
        case .preempted(let why):
            removeTouched(outcome, outputs, keep: rule.keepsOutputsOnFailure)
            try? state.noteUnfinished(name, keepsFiles: rule.keepsOutputsOnFailure, checkpointing: rule.checkpointing,
                                      end: why, at: Date().timeIntervalSince1970)
            if !quiet { say("\(name): \(why); it runs again") }
            return .runAgain
        case .unreadableResult(let why):
            return recordUnsure(outcome, why: why)
        case .finished(let exit) where exit.succeeded:
            exitStatus = 0
            if let found = outputProblem(outcome, outputs, remote: remote, on: on) {
                problem = found
            } else {
                if rule.isProtected, let disk = fileSystem as? DiskFileSystem { Self.makeReadOnly(outputs.map(disk.absolute)) }
                recordRun(outcome, startedAt: startedAt, outcome: "done")
                let record = StalenessScanner.record(of: step, in: graph, hashes: hashes, signature: outcome.signature,
                                                     duration: outcome.seconds, finishedAt: Date().timeIntervalSince1970)
                do {
                    try state.recordSuccess(name, record)
                    try state.saveTrees(outputs.filter(isFolderPath).compactMap { path in fileSystem.tree(path).map { (path, $0) } })
                } catch {
                    say("dbuild: warning: \(name) finished but could not be recorded (\(error)); it will be checked again next run")
                }
                return .succeeded
            }
        case .finished(let exit):
            if case .exited(let code) = exit { exitStatus = Int(code) }
            if case .signaled(let signal) = exit { exitStatus = 128 + Int(signal) }
            problem = "failed (\(exit.text))\(on)"
        case .timedOut(let limit): problem = "ran past its time limit of \(limit) s and was stopped"
        case .couldNotStart(let why): problem = "could not start: \(why)"
        case .stopped: problem = "stopped before it finished"
        case .endedByScheduler(let slurmState, let detail):
            problem = "ended in SLURM state \(slurmState)\(detail.isEmpty ? "" : " (\(detail))")" + (outcome.place.map { " as \($0)" } ?? "")
        }
        recordRun(outcome, startedAt: startedAt, outcome: outcome.end == .stopped ? "stopped" : "failed")
        return recordFailure(outcome, problem: problem, exitStatus: exitStatus)
    }

    /// What is wrong with the outputs of a recipe that exited 0, if anything. Staged outputs are
    /// checked where they were written and, when sound, moved into place; otherwise removed.
    private func outputProblem(_ outcome: StepOutcome, _ outputs: [String], remote: Bool, on: String) -> String? {
        if !outcome.unsoundOutputs.isEmpty {
            if let problem = outcome.unsoundProblem { return "exited 0\(on), but \(problem)" }
            let some = outcome.unsoundOutputs.prefix(3).joined(separator: ", ") + (outcome.unsoundOutputs.count > 3 ? ", …" : "")
            return "exited 0\(on), but did not write " + (outputs.count == 1 ? "its output" : "\(outcome.unsoundOutputs.count) of its outputs")
                + " (or wrote one too small, or not a file): " + some
        }
        let staging = outcome.staging
        let disk = fileSystem as? DiskFileSystem
        let written = staging?.paths ?? outputs
        let check = graph.productCheck(of: Int(outcome.step))
        if let (path, found) = check.firstProblem(written, in: fileSystem) {
            let product = outputs[written.firstIndex(of: path) ?? 0]
            defer { if let staging, let disk { staging.discard(base: disk.root) } }
            switch found {
            case .missing: return missingText(outputs, written: written, remote: remote, on: on, first: product)
            case .notARegularFile(let type): return "exited 0 but left \(type.text) at \(product), where a file is declared"
                + (staging == nil ? "" : " (it was written to \(path) and removed with the staging folder)")
            default: return "exited 0 but wrote \(product): \(found.text)"
            }
        }
        guard let staging, let disk else { return nil }
        do {
            try staging.commit(base: disk.root, products: outputs, fileSystem: disk)
            committedStaging.formUnion(staging.absoluteFolders(base: disk.root))
        } catch {
            staging.discard(base: disk.root)
            return "exited 0 but its outputs could not be moved into place (\(error))"
        }
        if let (path, found) = check.firstProblem(outputs, in: fileSystem) {
            return "exited 0 but \(path) is \(found.text) after it was moved into place"
        }
        return nil
    }

    /// A `.protected()` rule's products: nobody's write bits (a stray `>` cannot truncate a catalogue).
    static func makeReadOnly(_ paths: [String]) {
        var info = stat()
        for path in paths where stat(path, &info) == 0 { chmod(path, info.st_mode & 0o7555) }
    }

    /// "exited 0 but did not write its output: a.txt" (or "2 of its outputs: …"), naming products
    /// whose written paths (staged, or the products themselves) are missing.
    private func missingText(_ outputs: [String], written: [String], remote: Bool, on: String, first: String) -> String {
        if remote { return "exited 0\(on), but \(first) is missing" }
        let missing = outputs.indices.filter { fileSystem.status(written[$0]) == nil }.map { outputs[$0] }
        return "exited 0 but did not write " + (outputs.count == 1 ? "its output" : "\(missing.count) of its outputs") + ": "
            + missing.prefix(3).joined(separator: ", ") + (missing.count > 3 ? ", …" : "")
    }

    /// A task that ran to its end but whose result cannot be read: its products are judged like any
    /// other. Recorded when every output is sound and was written after the step was handed over;
    /// otherwise every file is kept and the step stays marked to run. Nothing is removed.
    private func recordUnsure(_ outcome: StepOutcome, why: String) -> Verdict {
        let step = Int(outcome.step)
        let name = graph.name(step)
        let rule = graph.rule(of: step)
        let outputs = graph.outputs(of: step)
        let sound = graph.productCheck(of: step).firstProblem(outputs, in: fileSystem) == nil
        let fresh = outputs.allSatisfy { (fileSystem.status($0)?.mtimeNanos ?? 0) >= Int64(((outcome.handedOverAt ?? 0) - 1) * 1e9) }
        if sound && fresh && !rule.keepsOutputsOnFailure {
            say("dbuild: warning: \(why); \(name)'s products are present, sound and newer than its submission: recorded as built")
            recordRun(outcome, startedAt: nil, outcome: "done")
            let record = StalenessScanner.record(of: step, in: graph, hashes: hashes, signature: outcome.signature,
                                                 duration: outcome.seconds, finishedAt: Date().timeIntervalSince1970)
            try? state.recordSuccess(name, record)
            return .succeeded
        }
        say("dbuild: warning: \(why); whether \(name) succeeded is unknown, so its files are kept and it stays marked to run")
        try? state.recordFailure(name, FailureRecord(exitStatus: -1, logPath: Builder.logPath(of: step, in: graph),
                                                     message: "its result cannot be read (\(why)); its files were kept",
                                                     failedAt: Date().timeIntervalSince1970))
        // Marked to run, with its files as they are now: the rerun replaces them, and removes none first.
        try? state.markStarted([name], at: Date().timeIntervalSince1970, before: [OutputSnapshot(outputs, in: fileSystem)])
        return .failed
    }

    /// Removes the outputs the attempt created or changed (all of them when nothing is known of the
    /// attempt's start); returns what was removed, what it touched and could not remove (a folder or
    /// special file, which dbuild never removes), and how many outputs are present now.
    @discardableResult
    private func removeTouched(_ outcome: StepOutcome, _ outputs: [String], keep: Bool) -> (removed: [String], leftBehind: [String], present: Int) {
        guard !keep, let before = outcome.before else { return ([], [], outputs.filter { fileSystem.status($0) != nil }.count) }
        let (removed, leftBehind) = before.removeTouched(outputs, in: fileSystem)
        return (removed, leftBehind, outputs.filter { fileSystem.status($0) != nil }.count)
    }

    private func recordRun(_ outcome: StepOutcome, startedAt: Double?, outcome kind: String) {
        let step = Int(outcome.step)
        let now = Date().timeIntervalSince1970
        try? state.recordRun(StepRun(build: buildID, name: graph.name(step), rule: graph.rule(of: step).name,
                                     startedAt: startedAt ?? now - outcome.seconds, finishedAt: now,
                                     host: outcome.host ?? host, outcome: kind))
        if kind == "done", let peak = outcome.peakMemoryKB, outcome.seconds > 0 {
            try? state.recordUsage(name: graph.name(step), rule: graph.rule(of: step).name, StepUsage(seconds: outcome.seconds, peakKB: peak))
        }
    }

    private func recordFailure(_ outcome: StepOutcome, problem: String, exitStatus: Int) -> Verdict {
        let step = Int(outcome.step)
        let name = graph.name(step)
        let rule = graph.rule(of: step)
        let outputs = graph.outputs(of: step)
        let keep = rule.keepsOutputsOnFailure
        let (removed, leftBehind, present) = removeTouched(outcome, outputs, keep: keep)
        let kept = present - leftBehind.count
        let log = Builder.logPath(of: step, in: graph)
        let now = Date().timeIntervalSince1970
        if outcome.end == .stopped {
            try? state.clearRunning(name)
            try? state.noteUnfinished(name, keepsFiles: keep, checkpointing: rule.checkpointing, end: "stopped: dbuild was interrupted", at: now)
            if !quiet { say("stopped: \(name)\(keep ? " (its files are kept for the next attempt)" : removed.isEmpty ? "" : " (the outputs it wrote were removed)")") }
            return .stopped
        }
        try? state.recordFailure(name, FailureRecord(exitStatus: exitStatus, logPath: log, message: problem, failedAt: now))
        try? state.noteUnfinished(name, keepsFiles: keep, checkpointing: rule.checkpointing, end: problem, at: now)
        let command = RecipeText.expand(step: step, in: graph)
        var lines = ["FAILED: \(name) \(problem)", "    command: " + (command.count > 300 ? command.prefix(300) + " …" : command),
                     "    log: \(log)"]
        if let tail = Builder.tail(ofFile: (fileSystem as? DiskFileSystem)?.absolute(log), lines: 5), !tail.isEmpty {
            lines += tail.map { "    | " + $0 }
        } else if case .finished = outcome.end {
            lines.append("    (the recipe printed nothing)")
        }
        if !removed.isEmpty {
            lines.append("    the outputs it wrote were removed (\(removed.count) of \(outputs.count)), so nothing half-made is trusted"
                         + (kept > 0 ? "; \(kept) it never touched are kept" : ""))
        } else if kept > 0 && outcome.staging != nil {
            lines.append("    it wrote into a staging folder, now removed: the \(kept) product\(kept == 1 ? " it was to replace is" : "s it was to replace are") untouched")
        } else if kept > 0 && !keep {
            lines.append("    it touched none of its outputs: the \(kept) present are kept")
        }
        for path in leftBehind.prefix(3) {
            let what = fileSystem.status(path)?.type.text ?? "something"
            lines.append("    \(path) is \(what) the attempt left; dbuild never removes a folder or special file, so it is still on disk"
                         + " and the step runs again")
        }
        if keep && !outputs.isEmpty { lines.append("    its files are kept for the next attempt, which runs it again") }
        say(lines.joined(separator: "\n"))
        return .failed
    }
}

import Foundation

/// Where a build stands, for the progress line.
public struct ProgressState: Equatable, Sendable {
    public var total: Int
    public var done = 0
    public var running = 0
    public var failed = 0
    public var startedAt: Double
    /// Seconds of work still ahead, from earlier runs of the same rules (nil when unknown).
    public var remainingWork: Double?
    public var parallelism: Int

    public init(total: Int, startedAt: Double, parallelism: Int) {
        self.total = total
        self.startedAt = startedAt
        self.parallelism = max(1, parallelism)
    }
}

/// The one-line progress text: `[12/82] 2 running, 1 failed, 4.1 s, ETA 6 s`.
public enum ProgressLine {
    public static func render(_ s: ProgressState, now: Double, color: Bool) -> String {
        var text = "[\(s.done)/\(s.total)] \(s.running) running"
        if s.failed > 0 { text += ", " + (color ? "\u{1B}[31m\(s.failed) failed\u{1B}[0m" : "\(s.failed) failed") }
        text += ", " + duration(now - s.startedAt)
        if let work = s.remainingWork, s.done < s.total {
            text += ", ETA " + duration(work / Double(min(s.parallelism, max(1, s.total - s.done))))
        }
        return text
    }

    public static func duration(_ seconds: Double) -> String {
        if seconds < 60 { return String(format: "%.1f s", max(0, seconds)) }
        let total = Int(seconds.rounded())
        if total < 3600 { return "\(total / 60) min \(total % 60) s" }
        return "\(total / 3600) h \(total % 3600 / 60) min"
    }
}

/// Shows progress: on a terminal one live line, rewritten in place (messages print above it); elsewhere
/// one line per started step and a progress line every `plainInterval` seconds. Silent when quiet.
public final class ProgressReporter {
    public private(set) var state: ProgressState
    let isTerminal: Bool
    let color: Bool
    let quiet: Bool
    let clock: () -> Double
    let write: (String) -> Void
    /// Mean recorded seconds per rule; the remaining work is the sum over steps not yet done.
    let expected: [String: Double]
    private var remainingByRule: [String: Int]
    private var lastPlainLine: Double
    public var plainInterval = 15.0
    /// Called with the state at every change (`ProgressPublisher`, for `status` in another terminal).
    public var publish: ((ProgressState) -> Void)?
    /// Steps running now, oldest first: the live line names the first of them.
    private var runningNames: [String] = []
    /// When each running step started, and its rule: the ETA counts only what is left of it.
    private var runningSince: [String: (rule: String, at: Double)] = [:]
    /// Steps found clean since the last line printed (plain output): said, so the counter never jumps.
    private var skippedSinceLine = 0

    public init(total: Int, rulesOfPlannedSteps: [String], parallelism: Int, expected: [String: Double], isTerminal: Bool,
                color: Bool, quiet: Bool, clock: @escaping () -> Double = { Date().timeIntervalSince1970 },
                write: @escaping (String) -> Void = { FileHandle.standardOutput.write(Data($0.utf8)) }) {
        self.isTerminal = isTerminal
        self.color = color
        self.quiet = quiet
        self.clock = clock
        self.write = write
        self.expected = expected
        remainingByRule = Dictionary(rulesOfPlannedSteps.map { ($0, 1) }, uniquingKeysWith: +)
        state = ProgressState(total: total, startedAt: clock(), parallelism: parallelism)
        lastPlainLine = state.startedAt
        updateRemaining()
    }

    private func updateRemaining() {
        var work = 0.0
        for (rule, count) in remainingByRule where count > 0 {
            guard let seconds = expected[rule] else { state.remainingWork = nil; return }
            work += seconds * Double(count)
        }
        state.remainingWork = work
    }

    public func started(_ name: String, rule: String? = nil) {
        state.running += 1
        runningNames.append(name)
        if let rule { runningSince[name] = (rule, clock()) }
        published()
        if quiet { return }
        if isTerminal { redraw(); return }
        sayClean()
        write("[\(state.done + state.running)/\(state.total)] \(name)\n")
        periodic()
    }

    public func finished(rule: String, succeeded: Bool, name: String? = nil) {
        if let name, let i = runningNames.firstIndex(of: name) { runningNames.remove(at: i) }
        if let name { runningSince[name] = nil }
        state.running = max(0, state.running - 1)
        state.done += 1
        if !succeeded { state.failed += 1 }
        remainingByRule[rule, default: 1] -= 1
        updateRemaining()
        published()
        if quiet { return }
        if isTerminal { redraw() } else { periodic() }
    }

    /// A step that turned out clean (early cutoff) or was not run: counts as done.
    public func skipped(rule: String) {
        state.done += 1
        skippedSinceLine += 1
        remainingByRule[rule, default: 1] -= 1
        updateRemaining()
        if !quiet && isTerminal { redraw() }
    }

    /// "[14/19] 12 steps not run: what they read came out unchanged" (plain output).
    private func sayClean() {
        guard skippedSinceLine > 0 else { return }
        write("[\(state.done)/\(state.total)] \(skippedSinceLine) step\(skippedSinceLine == 1 ? "" : "s") not run: "
              + "what \(skippedSinceLine == 1 ? "it reads" : "they read") came out unchanged\n")
        skippedSinceLine = 0
    }

    /// A message (a failure, a warning) printed above the live line.
    public func message(_ text: String) {
        if isTerminal && !quiet {
            write("\r\u{1B}[K" + text + "\n")
            redraw()
        } else {
            write(text + "\n")
        }
    }

    /// Clears the live line before the summary.
    public func finish() {
        if isTerminal && !quiet { write("\r\u{1B}[K") } else if !quiet { sayClean() }
    }

    private func published() { publish?(current()) }

    /// The state with the remaining work less what the running steps have already run (each at most
    /// its rule's expected time): the ETA comes down as they run, not only as they end.
    public func current() -> ProgressState {
        guard var work = state.remainingWork, !runningSince.isEmpty else { return state }
        let now = clock()
        for (_, entry) in runningSince { work -= min(expected[entry.rule] ?? 0, max(0, now - entry.at)) }
        var adjusted = state
        adjusted.remainingWork = max(0, work)
        return adjusted
    }

    private func redraw() {
        var line = ProgressLine.render(current(), now: clock(), color: color)
        if let first = runningNames.first {
            // (Short: a live line that wraps can no longer be rewritten in place.)
            line += " — " + (first.count > 40 ? "…" + first.suffix(39) : first) + (runningNames.count > 1 ? " and \(runningNames.count - 1) more" : "")
        }
        write("\r\u{1B}[K" + line)
    }

    private func periodic() {
        let now = clock()
        if now - lastPlainLine >= plainInterval {
            lastPlainLine = now
            write("progress: " + ProgressLine.render(current(), now: now, color: false) + "\n")
        }
    }
}

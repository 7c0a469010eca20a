import Rules
import Targets

/// What a rule's steps used on their latest successful runs (wall time and peak memory), against
/// what the rule asks for: shown by the dry run, and, with `.slurm(fitResources: true)` or
/// `slurm.fitResources = true`, asked for instead of the declared figures.
public struct RuleUsage: Equatable, Sendable {
    public var runs: Int
    public var p95Seconds: Double
    public var maxSeconds: Double
    public var p95PeakMB: Int
    public var maxPeakMB: Int

    /// Fitting needs this many runs: fewer say too little about the rule's spread.
    public static let runsToFit = 5

    public init?(_ usage: [StepUsage]) {
        guard !usage.isEmpty else { return nil }
        func p95<T: Comparable>(_ values: [T]) -> T {
            let sorted = values.sorted()
            return sorted[min(sorted.count - 1, Int((Double(sorted.count) * 0.95).rounded(.up)) - 1)]
        }
        runs = usage.count
        p95Seconds = p95(usage.map(\.seconds))
        maxSeconds = usage.map(\.seconds).max()!
        p95PeakMB = (p95(usage.map(\.peakKB)) + 1023) / 1024
        maxPeakMB = (usage.map(\.peakKB).max()! + 1023) / 1024
    }

    public static func of(_ state: StateStore) -> [String: RuleUsage] {
        state.loadUsageByRule().compactMapValues(RuleUsage.init)
    }

    /// The request fitted to this history: memory 1.25 × the 95th percentile, time 1.5 × it (whole
    /// minutes), each never below the most a successful run used and never above the declared figure
    /// (unless a run that succeeded used more). Unchanged with fewer than `runsToFit` runs.
    public func fit(_ declared: Resources) -> Resources {
        guard runs >= Self.runsToFit else { return declared }
        var r = declared
        let memory = roundUp(max(Int((Double(p95PeakMB) * 1.25).rounded(.up)), maxPeakMB), to: 64)
        if declared.memoryMB > 0 { r.memoryMB = min(memory, max(declared.memoryMB, maxPeakMB)) } else { r.memoryMB = memory }
        let time = roundUp(Int(max(p95Seconds * 1.5, maxSeconds).rounded(.up)), to: 60)
        if declared.timeSeconds > 0 { r.timeSeconds = min(time, max(declared.timeSeconds, Int(maxSeconds.rounded(.up)))) }
        return r
    }

    private func roundUp(_ value: Int, to step: Int) -> Int { max(step, (value + step - 1) / step * step) }
}

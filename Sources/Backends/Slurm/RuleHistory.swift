import Targets

/// What earlier runs of a rule took, from the state's step records (adopted records, never timed,
/// are left out): the mean, for the expected cost and the ETA, and a per-step time a bundle can
/// safely count on — the slowest recorded run or 1.5 × the 95th percentile, whichever is larger.
public struct RuleHistory: Equatable, Sendable {
    public var runs: Int
    public var meanSeconds: Double
    public var safeSeconds: Int

    public init(runs: Int, meanSeconds: Double, safeSeconds: Int) {
        self.runs = runs
        self.meanSeconds = meanSeconds
        self.safeSeconds = safeSeconds
    }

    /// Durations of a rule's runs → its history (nil without any).
    public init?(durations: [Double]) {
        let sorted = durations.filter { $0 > 0 }.sorted()
        guard !sorted.isEmpty else { return nil }
        let p95 = sorted[min(sorted.count - 1, Int((Double(sorted.count) * 0.95).rounded(.up)) - 1)]
        self.init(runs: sorted.count, meanSeconds: sorted.reduce(0, +) / Double(sorted.count),
                  safeSeconds: Int(max(sorted.last!, 1.5 * p95).rounded(.up)))
    }

    /// Per rule name, from records keyed by step name (`rule/…`).
    public static func of(_ records: [String: StepRecord]) -> [String: RuleHistory] {
        var durations: [String: [Double]] = [:]
        for (name, record) in records where record.duration > 0 {
            durations[String(name.prefix { $0 != "/" }), default: []].append(record.duration)
        }
        return durations.compactMapValues { RuleHistory(durations: $0) }
    }
}

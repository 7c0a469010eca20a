import Rules

/// How often a step's limits were raised after it ran out of time or memory.
public struct Escalation: Hashable, Sendable {
    public var time = 0
    public var memory = 0

    public init(time: Int = 0, memory: Int = 0) {
        self.time = time
        self.memory = memory
    }

    /// The rule's resources, with time and memory multiplied by the rule's factors once per escalation.
    public func apply(to rule: RuleDescription) -> Resources {
        var r = rule.resources
        if time > 0 && r.timeSeconds > 0 {
            r.timeSeconds = Int((Double(r.timeSeconds) * pow(rule.batch.timeFactor, time)).rounded(.up))
        }
        if memory > 0 && r.memoryMB > 0 {
            r.memoryMB = Int((Double(r.memoryMB) * pow(rule.batch.memoryFactor, memory)).rounded(.up))
        }
        return r
    }
}

private func pow(_ base: Double, _ exponent: Int) -> Double {
    (0..<exponent).reduce(1.0) { result, _ in result * base }
}

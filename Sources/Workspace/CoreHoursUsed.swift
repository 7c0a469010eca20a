import Basics
import Targets
import Backends

/// Core-hours each rule's recorded runs used: run time × the cores one step of the rule holds
/// (failed runs included: they held the cores too). Shown by `status` and the report.
public struct CoreHoursUsed {
    public struct Row: Equatable {
        public var rule: String
        public var runs: Int
        public var coreHours: Double
    }

    public let rows: [Row]

    /// Rows in the order of `rules` (rules without recorded runs are left out).
    public init(state: StateStore, graph: Graph, rules: [String]) {
        let used = (try? state.runSecondsByRule()) ?? [:]
        rows = rules.compactMap { name in
            guard let (seconds, runs) = used[name], let rule = graph.description.rules.first(where: { $0.name == name }) else { return nil }
            return Row(rule: name, runs: runs, coreHours: seconds * Double(Launch.localCPUs(rule.resources)) / 3600)
        }
    }

    public var total: Double { rows.reduce(0) { $0 + $1.coreHours } }
}

import Foundation
import Rules

/// What a submission asks of the cluster, per rule and in all: core-hours requested (cores per task ×
/// the task's time limit × tasks, as the sbatch scripts ask), node-hours for multi-node rules, and —
/// where earlier runs of the rule were recorded — the core-hours it is expected to use.
public struct PlanCost: Equatable, Sendable {
    public struct Rule: Equatable, Sendable {
        public var name: String
        public var steps: Int
        /// nil when the rule sets no time limit (the partition's default then applies).
        public var requestedCoreHours: Double?
        public var nodeHours: Double?
        public var expectedCoreHours: Double?
    }

    public var rules: [Rule] = []

    public init() {}

    public var requestedCoreHours: Double { rules.reduce(0) { $0 + ($1.requestedCoreHours ?? 0) } }
    public var nodeHours: Double { rules.reduce(0) { $0 + ($1.nodeHours ?? 0) } }
    public var expectedCoreHours: Double? {
        let known = rules.compactMap(\.expectedCoreHours)
        return known.isEmpty ? nil : known.reduce(0, +)
    }

    /// - Parameter expected: mean recorded seconds per step, by rule name.
    public init(arrays: [JobArray], rules descriptions: [RuleDescription], resources: (JobArray) -> Resources,
                expected: [String: Double]) {
        var byRule: [String: Rule] = [:]
        var order: [String] = []
        for array in arrays {
            let name = descriptions[array.rule].name
            let r = resources(array)
            let cores = Double(max(1, r.cpus) * max(1, r.nodes) * max(1, r.tasksPerNode) * array.parallel)
            var line = byRule[name] ?? Rule(name: name, steps: 0, requestedCoreHours: 0, nodeHours: nil, expectedCoreHours: nil)
            if byRule[name] == nil { order.append(name) }
            line.steps += array.stepCount
            if r.timeSeconds > 0, let sum = line.requestedCoreHours {
                let taskHours = Double(array.taskSeconds(declared: r.timeSeconds)) / 3600
                line.requestedCoreHours = sum + Double(array.tasks.count) * taskHours * cores
                if r.nodes > 1 { line.nodeHours = (line.nodeHours ?? 0) + Double(array.tasks.count * r.nodes) * taskHours }
            } else {
                line.requestedCoreHours = nil
            }
            if let mean = expected[name] {
                line.expectedCoreHours = (line.expectedCoreHours ?? 0) + Double(array.stepCount) * mean / 3600 * cores / Double(array.parallel)
            }
            byRule[name] = line
        }
        rules = order.map { byRule[$0]! }
    }

    /// The dry run's table.
    public var text: String {
        func figure(_ value: Double?) -> String {
            guard let value else { return "—" }
            return value >= 100 ? String(Int(value.rounded())) : String(format: "%.1f", value)
        }
        let width = max(5, rules.map(\.name.count).max() ?? 0)
        func row(_ name: String, _ steps: String, _ requested: String, _ nodes: String, _ expected: String) -> String {
            "  " + name.padding(toLength: width, withPad: " ", startingAt: 0) + [steps, requested, nodes, expected]
                .map { String(repeating: " ", count: max(0, 17 - $0.count)) + $0 }.joined() + "\n"
        }
        var out = "Cost:\n" + row("rule", "steps", "core-h asked", "node-h asked", "core-h expected")
        for r in rules {
            out += row(r.name, "\(r.steps)", figure(r.requestedCoreHours), figure(r.nodeHours), figure(r.expectedCoreHours))
        }
        out += row("total", "\(rules.reduce(0) { $0 + $1.steps })", figure(requestedCoreHours), figure(nodeHours), figure(expectedCoreHours))
        if rules.contains(where: { $0.requestedCoreHours == nil }) {
            out += "  (— : no time limit declared, so the partition's default time applies and the request is not known)\n"
        }
        if expectedCoreHours == nil { out += "  (core-h expected: from recorded runs of the same rules; none yet)\n" }
        return out
    }
}

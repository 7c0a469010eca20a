import Foundation
import Targets
import Backends

/// Products on a root the centre purges (`RootLocations.purgeDays`) that are near their purge age:
/// what `dbuild status` warns of, per rule, with the core-hours it would take to make them again —
/// so a user can copy what is dear before the wipe, or know what losing it costs. Age is counted
/// from the product's modification time, the earliest a purge by age can take it.
public struct NearPurge {
    /// Listed from this fraction of the purge age on.
    public static let nearFraction = 0.75

    /// The products of one rule on one purged root that are near (or past) its purge age.
    public struct Row: Codable, Equatable {
        public var rule: String
        public var root: String
        public var purgeDays: Int
        public var steps: Int
        public var products: Int
        public var oldestDays: Double
        /// Core-hours to make their steps again: each step's recorded run time (else its rule's
        /// mean, else its declared time limit) × the cores a step of the rule holds.
        public var coreHours: Double
        /// Steps whose time came from their declared time limit, not a recorded run.
        public var estimatedFromLimit: Int
    }

    public static func rows(graph: Graph, steps: [Int], fileSystem: FileSystem, records: [String: StepRecord],
                            now: Date = Date()) -> [Row] {
        let purgeDays = graph.roots.purgeDays
        guard !purgeDays.isEmpty else { return [] }
        let means = BuildSession.meanDurations(records)
        let nowNanos = Int64(now.timeIntervalSince1970 * 1e9)
        var rows: [String: Row] = [:]
        var order: [String] = []
        for step in steps.sorted() {
            var oldest: Int64 = -1, count = 0, root = "", days = 0
            for path in graph.outputs(of: step) {
                guard let (name, _) = RootLocations.split(path), let limit = purgeDays[name],
                      let status = fileSystem.status(path) else { continue }
                let age = nowNanos - status.mtimeNanos
                guard Double(age) >= Double(limit) * 86_400e9 * nearFraction else { continue }
                oldest = max(oldest, age); count += 1; root = name; days = limit
            }
            guard count > 0 else { continue }
            let rule = graph.rule(of: step)
            let name = graph.name(step)
            let recorded = records[name].map(\.duration).flatMap { $0 > 0 ? $0 : nil } ?? means[rule.name]
            let seconds = recorded ?? Double(rule.resources.timeSeconds)
            let key = rule.name + "\u{0}" + root
            if rows[key] == nil {
                order.append(key)
                rows[key] = Row(rule: rule.name, root: root, purgeDays: days, steps: 0, products: 0, oldestDays: 0, coreHours: 0, estimatedFromLimit: 0)
            }
            rows[key]!.steps += 1
            rows[key]!.products += count
            rows[key]!.oldestDays = max(rows[key]!.oldestDays, Double(oldest) / 86_400e9)
            rows[key]!.coreHours += seconds * Double(Launch.localCPUs(rule.resources)) / 3600
            if recorded == nil { rows[key]!.estimatedFromLimit += 1 }
        }
        return order.map { rows[$0]! }
    }

    /// The lines `status` prints for them.
    public static func text(_ rows: [Row]) -> [String] {
        guard !rows.isEmpty else { return [] }
        var lines = ["Near their purge age (on roots the centre wipes; remade only when needed, or when nothing reads them):"]
        for row in rows {
            let estimate = row.estimatedFromLimit == 0 ? "recorded run times"
                : row.estimatedFromLimit == row.steps ? "declared time limits" : "recorded runs and declared time limits"
            lines.append("  \(row.rule) on @\(row.root) (wiped after \(row.purgeDays) days): \(row.products) product\(row.products == 1 ? "" : "s"), "
                + "oldest \(String(format: "%.1f", row.oldestDays)) days; making them again: \(String(format: "%.2f", row.coreHours)) core-hours "
                + "(\(estimate))")
        }
        return lines
    }
}

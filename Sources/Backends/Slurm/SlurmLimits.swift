import Foundation

/// The cluster limits that shape a submission, read from `scontrol show config`.
public struct SlurmLimits: Equatable, Sendable {
    /// Array indices run from 0 to maxArraySize − 1.
    public var maxArraySize = 1001
    /// Every array task counts as a job toward this; dbuild keeps at most half of it in the queue.
    public var maxJobCount = 10_000
    /// Whether `sacct` can answer (accounting storage configured).
    public var hasAccounting = false

    public init(maxArraySize: Int = 1001, maxJobCount: Int = 10_000, hasAccounting: Bool = false) {
        self.maxArraySize = maxArraySize
        self.maxJobCount = maxJobCount
        self.hasAccounting = hasAccounting
    }

    /// Parses `scontrol show config` ("Key = value" lines); missing keys keep SLURM's defaults.
    public static func parse(showConfig text: String) -> SlurmLimits {
        var limits = SlurmLimits()
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { continue }
            switch parts[0] {
            case "MaxArraySize": limits.maxArraySize = Int(parts[1]) ?? limits.maxArraySize
            case "MaxJobCount": limits.maxJobCount = Int(parts[1]) ?? limits.maxJobCount
            case "AccountingStorageType": limits.hasAccounting = parts[1] != "accounting_storage/none" && !parts[1].isEmpty
            default: break
            }
        }
        return limits
    }

    /// Array tasks one submission may put in the queue: half the cluster's job limit, so other users
    /// (and dbuild's own retries) keep room.
    public var taskBudget: Int { max(1, maxJobCount / 2) }
}

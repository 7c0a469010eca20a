import Foundation
import Rules

/// One partition's limits, from `scontrol show partition -o` (nil: unlimited or not set).
public struct PartitionLimits: Equatable, Sendable {
    public var maxTime: Int?
    public var defaultTime: Int?
    public var maxNodes: Int?

    public init(maxTime: Int? = nil, defaultTime: Int? = nil, maxNodes: Int? = nil) {
        self.maxTime = maxTime
        self.defaultTime = defaultTime
        self.maxNodes = maxNodes
    }
}

/// The cluster limits that shape a submission: read from `scontrol show config` and `scontrol show
/// partition`, the user's association when accounting answers, and the per-machine defaults file
/// (which overrides each). `sources` says where each came from, for the dry run.
public struct SlurmLimits: Equatable, Sendable {
    /// Array indices run from 0 to maxArraySize − 1.
    public var maxArraySize = 1001
    /// Every array task counts as a job toward this; dbuild keeps at most half of it in the queue.
    public var maxJobCount = 10_000
    /// Whether `sacct` can answer (accounting storage configured).
    public var hasAccounting = false
    /// The user's own limit on queued jobs (association or QOS MaxSubmitJobs), when known.
    public var maxSubmitJobs: Int?
    public var partitions: [String: PartitionLimits] = [:]
    public var defaultPartition: String?
    /// The longest a bundle of short steps may ask for (`slurm.bundleTime`).
    public var bundleTime = 4 * 3600
    /// Limit name → where its value came from.
    public var sources: [String: String] = [:]

    public init(maxArraySize: Int = 1001, maxJobCount: Int = 10_000, hasAccounting: Bool = false, maxSubmitJobs: Int? = nil,
                partitions: [String: PartitionLimits] = [:], defaultPartition: String? = nil, bundleTime: Int = 4 * 3600) {
        self.maxArraySize = maxArraySize
        self.maxJobCount = maxJobCount
        self.hasAccounting = hasAccounting
        self.maxSubmitJobs = maxSubmitJobs
        self.partitions = partitions
        self.defaultPartition = defaultPartition
        self.bundleTime = bundleTime
    }

    /// Parses `scontrol show config` ("Key = value" lines); missing keys keep SLURM's defaults.
    public static func parse(showConfig text: String) -> SlurmLimits {
        var limits = SlurmLimits()
        limits.read(showConfig: text)
        return limits
    }

    public mutating func read(showConfig text: String) {
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { continue }
            switch parts[0] {
            case "MaxArraySize":
                maxArraySize = Int(parts[1]) ?? maxArraySize
                sources["MaxArraySize"] = "scontrol show config"
            case "MaxJobCount":
                maxJobCount = Int(parts[1]) ?? maxJobCount
                sources["MaxJobCount"] = "scontrol show config"
            case "AccountingStorageType": hasAccounting = parts[1] != "accounting_storage/none" && !parts[1].isEmpty
            default: break
            }
        }
    }

    /// Reads `scontrol show partition -o`: one line per partition, `Key=Value` words.
    public mutating func read(showPartitions text: String) {
        for line in text.split(separator: "\n") {
            var fields: [String: String] = [:]
            for word in line.split(separator: " ") {
                guard let eq = word.firstIndex(of: "=") else { continue }
                fields[String(word[..<eq])] = String(word[word.index(after: eq)...])
            }
            guard let name = fields["PartitionName"] else { continue }
            partitions[name] = PartitionLimits(maxTime: fields["MaxTime"].flatMap(Self.slurmSeconds),
                                               defaultTime: fields["DefaultTime"].flatMap(Self.slurmSeconds),
                                               maxNodes: fields["MaxNodes"].flatMap { Int($0) })
            sources["partition \(name)"] = "scontrol show partition"
            if fields["Default"] == "YES" { defaultPartition = name }
        }
    }

    /// Reads `sacctmgr -nP show assoc user=… format=MaxSubmitJobs` (or a QOS's): the smallest number given.
    public mutating func read(maxSubmitJobs text: String, from source: String) {
        let numbers = text.split(whereSeparator: { $0 == "\n" || $0 == "|" }).compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        if let least = numbers.min() {
            maxSubmitJobs = min(least, maxSubmitJobs ?? least)
            sources["MaxSubmitJobs"] = source
        }
    }

    /// The per-machine defaults file's `slurm.*` limits override what the cluster said.
    public mutating func apply(_ defaults: MachineDefaults, file: String = "the defaults file") {
        if let n = defaults.maxArraySize { maxArraySize = n; sources["MaxArraySize"] = file }
        if let n = defaults.maxJobCount { maxJobCount = n; sources["MaxJobCount"] = file }
        if let n = defaults.maxSubmitJobs { maxSubmitJobs = n; sources["MaxSubmitJobs"] = file }
        if let t = defaults.bundleTime { bundleTime = t; sources["bundle time"] = file }
        if let t = defaults.maxTime {
            for (name, limits) in partitions { partitions[name]?.maxTime = min(t, limits.maxTime ?? t) }
            if partitions.isEmpty { partitions["(any)"] = PartitionLimits(maxTime: t); defaultPartition = defaultPartition ?? "(any)" }
            sources["MaxTime"] = file
        }
    }

    /// SLURM's time words: "UNLIMITED"/"INFINITE"/"NONE" → nil, else [D-]HH:MM:SS.
    static func slurmSeconds(_ text: String) -> Int? {
        if ["UNLIMITED", "INFINITE", "NONE", "N/A"].contains(text) { return nil }
        return try? parseTime(text)
    }

    /// The limits of the partition a rule's jobs go to (its own, else the cluster's default).
    public func partition(_ name: String?) -> PartitionLimits {
        name.flatMap { partitions[$0] } ?? defaultPartition.flatMap { partitions[$0] } ?? PartitionLimits()
    }

    /// Array tasks one submission should put in the queue: half the cluster's job limit (so other
    /// users, and dbuild's own retries, keep room), and never more than the user may submit.
    public var taskBudget: Int { max(1, min(maxJobCount / 2, maxSubmitJobs ?? .max)) }

    /// One line per limit with its source, for the dry run.
    public var describedLines: [String] {
        func source(_ key: String, _ fallback: String = "SLURM's default") -> String { sources[key] ?? fallback }
        var lines = ["MaxArraySize \(maxArraySize) (\(source("MaxArraySize")))",
                     "MaxJobCount \(maxJobCount) (\(source("MaxJobCount"))); dbuild queues at most half",
                     "MaxSubmitJobs " + (maxSubmitJobs.map { "\($0) (\(source("MaxSubmitJobs")))" }
                        ?? "not known (no accounting; slurm.maxSubmitJobs in the defaults file sets it)")]
        for name in partitions.keys.sorted() {
            let p = partitions[name]!
            lines.append("partition \(name)\(name == defaultPartition ? " (default)" : ""): MaxTime "
                         + (p.maxTime.map(SbatchScript.slurmTime) ?? "unlimited")
                         + (p.maxNodes.map { ", MaxNodes \($0)" } ?? "") + " (\(sources["MaxTime"] ?? source("partition \(name)")))")
        }
        lines.append("bundles of short steps up to \(SbatchScript.slurmTime(bundleTime)) (\(source("bundle time", "dbuild's default")))")
        return lines
    }
}

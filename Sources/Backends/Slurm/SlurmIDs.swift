import Foundation

/// A job's state as SLURM names it (PENDING, RUNNING, TIMEOUT, …): compared through these
/// constants, never as bare strings; states dbuild does not name are kept as SLURM wrote them.
public struct SlurmState: RawRepresentable, Hashable, Codable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }
    public init(from decoder: Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
    public var description: String { rawValue }

    public static let pending: SlurmState = "PENDING"
    public static let running: SlurmState = "RUNNING"
    public static let completing: SlurmState = "COMPLETING"
    public static let completed: SlurmState = "COMPLETED"
    public static let cancelled: SlurmState = "CANCELLED"
    public static let timeout: SlurmState = "TIMEOUT"
    public static let outOfMemory: SlurmState = "OUT_OF_MEMORY"
    public static let preempted: SlurmState = "PREEMPTED"
    public static let nodeFail: SlurmState = "NODE_FAIL"
    public static let bootFail: SlurmState = "BOOT_FAIL"

    /// Still in the queue: will run, or is running.
    public var isLive: Bool {
        [.pending, .running, "CONFIGURING", .completing, "REQUEUED", "RESIZING", "SUSPENDED", "STAGE_OUT", "SIGNALING"].contains(self)
    }

    /// Running, or ended and being cleaned up: counted as running by status and progress lines.
    public var isRunning: Bool { self == .running || self == .completing }

    /// Ended without the task's own failure: dbuild resubmits without counting a retry.
    public var wasPreempted: Bool { self == .preempted || self == .nodeFail || self == .bootFail }
}

/// One array task (`1234_5`) or a plain job (`1234`), as SLURM's commands take and print it.
public struct ArrayTaskID: Hashable, Sendable, CustomStringConvertible {
    public let job: String
    public let task: Int?

    public init(job: String, task: Int?) {
        self.job = job
        self.task = task
    }

    public var description: String { task.map { "\(job)_\($0)" } ?? job }
}

/// The `--comment` dbuild gives each job it submits, so that a job whose sbatch timed out can be
/// found in the queue, and a queue read tells which submission a job belongs to. Written and
/// parsed here only: `dbuild:<submission>:<array index>`, `…:next-wave`, `…:on-finish`.
public enum JobComment: Hashable, Sendable {
    case array(submission: String, index: Int)
    case nextWave(submission: String)
    case onFinish(submission: String)

    public var text: String {
        switch self {
        case .array(let submission, let index): return "dbuild:\(submission):\(index)"
        case .nextWave(let submission): return "dbuild:\(submission):next-wave"
        case .onFinish(let submission): return "dbuild:\(submission):on-finish"
        }
    }

    /// nil for a comment dbuild did not write.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, parts[0] == "dbuild", !parts[1].isEmpty else { return nil }
        switch parts[2] {
        case "next-wave": self = .nextWave(submission: parts[1])
        case "on-finish": self = .onFinish(submission: parts[1])
        default:
            guard let index = Int(parts[2]) else { return nil }
            self = .array(submission: parts[1], index: index)
        }
    }
}

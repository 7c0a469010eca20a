import Foundation
import Backends

/// What `dbuild status` knows, as text and as JSON (`--json`; the schema is documented in the README
/// under "Machine-readable output" and versioned by `schema`: fields are only ever added within a version).
public struct StatusReport: Codable, Equatable {
    public static let schemaName = "dbuild.status/1"

    public struct Rule: Codable, Equatable {
        public var rule: String
        public var steps = 0, built = 0, queued = 0, running = 0, failed = 0, blocked = 0, stale = 0, missing = 0
        /// Of the built: steps whose outputs are gone on purpose (a temporary removed after use, an
        /// intermediate the centre purged), made again only when a step that reads them must run.
        public var removed = 0
        public var jobs: [String] = []
    }

    /// A step running now: in the local build that holds the project's lock, or a SLURM task.
    public struct Running: Codable, Equatable {
        public var step: String
        public var rule: String
        /// "local" or "slurm".
        public var place: String
        /// Seconds since it started (local steps; nil for SLURM tasks, whose start squeue does not say here).
        public var elapsedSeconds: Double?
        /// The SLURM job and task (`12345_7`).
        public var job: String?
    }

    /// The local build in progress, if one holds the project's lock.
    public struct Build: Codable, Equatable {
        public var host: String
        public var pid: Int32
        public var total: Int
        public var done: Int
        public var running: Int
        public var failed: Int
        public var elapsedSeconds: Double
        public var etaSeconds: Double?
    }

    /// The steps out on SLURM, and when they may be done: their rules' mean recorded run time, spread
    /// over as many as run now (nil when a rule has no recorded run, or none runs).
    public struct Slurm: Codable, Equatable {
        public var queued: Int
        public var running: Int
        public var etaSeconds: Double?
    }

    public struct Failure: Codable, Equatable {
        public var step: String
        public var message: String
        public var log: String
        public var failedAt: Double
    }

    public struct Blocked: Codable, Equatable {
        public var step: String
        public var blocker: String
    }

    /// A submission's on-finish command (`FinishJob`): waiting for the arrays, or how it ended.
    public struct OnFinish: Codable, Equatable {
        public var submission: String
        public var command: String
        public var job: String?
        /// "waiting", "succeeded" or "failed".
        public var state: String
        public var exitStatus: Int32?
        /// The command's output (a file in the submission's folder).
        public var output: String?
    }

    public var schema = StatusReport.schemaName
    public var rules: [Rule] = []
    public var build: Build?
    /// Steps out on SLURM, absent when none.
    public var slurm: Slurm?
    public var running: [Running] = []
    public var failures: [Failure] = []
    public var blocked: [Blocked] = []
    /// Files and folders dbuild keeps in the project (`OwnFiles`).
    public var ownFiles = 0
    /// The on-finish commands of the latest submissions that have one, oldest first.
    public var onFinish: [OnFinish] = []
    /// Products on roots the centre purges that are near their purge age, per rule and root.
    public var nearPurge: [NearPurge.Row] = []

    public func json() -> String { JSONOutput.text(self) }
}

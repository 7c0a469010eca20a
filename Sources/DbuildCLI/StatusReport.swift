import Foundation
import Workspace
import Backends

/// What `dbuild status` knows, as text and as JSON (`--json`; the schema is documented in the README
/// under "Machine-readable output" and versioned by `schema`: fields are only ever added within a version).
struct StatusReport: Codable, Equatable {
    static let schemaName = "dbuild.status/1"

    struct Rule: Codable, Equatable {
        var rule: String
        var steps = 0, built = 0, queued = 0, running = 0, failed = 0, blocked = 0, stale = 0, missing = 0
        var jobs: [String] = []
    }

    /// A step running now: in the local build that holds the project's lock, or a SLURM task.
    struct Running: Codable, Equatable {
        var step: String
        var rule: String
        /// "local" or "slurm".
        var place: String
        /// Seconds since it started (local steps; nil for SLURM tasks, whose start squeue does not say here).
        var elapsedSeconds: Double?
        /// The SLURM job and task (`12345_7`).
        var job: String?
    }

    /// The local build in progress, if one holds the project's lock.
    struct Build: Codable, Equatable {
        var host: String
        var pid: Int32
        var total: Int
        var done: Int
        var running: Int
        var failed: Int
        var elapsedSeconds: Double
        var etaSeconds: Double?
    }

    /// The steps out on SLURM, and when they may be done: their rules' mean recorded run time, spread
    /// over as many as run now (nil when a rule has no recorded run, or none runs).
    struct Slurm: Codable, Equatable {
        var queued: Int
        var running: Int
        var etaSeconds: Double?
    }

    struct Failure: Codable, Equatable {
        var step: String
        var message: String
        var log: String
        var failedAt: Double
    }

    struct Blocked: Codable, Equatable {
        var step: String
        var blocker: String
    }

    /// A submission's on-finish command (`FinishJob`): waiting for the arrays, or how it ended.
    struct OnFinish: Codable, Equatable {
        var submission: String
        var command: String
        var job: String?
        /// "waiting", "succeeded" or "failed".
        var state: String
        var exitStatus: Int32?
        /// The command's output (a file in the submission's folder).
        var output: String?
    }

    var schema = StatusReport.schemaName
    var rules: [Rule] = []
    var build: Build?
    /// Steps out on SLURM, absent when none.
    var slurm: Slurm?
    var running: [Running] = []
    var failures: [Failure] = []
    var blocked: [Blocked] = []
    /// Files and folders dbuild keeps in the project (`OwnFiles`).
    var ownFiles = 0
    /// The on-finish commands of the latest submissions that have one, oldest first.
    var onFinish: [OnFinish] = []

    func json() -> String { JSONOutput.text(self) }
}

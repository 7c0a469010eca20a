import Foundation

/// Where steps run: on this machine, or on SLURM.
public enum BackendChoice: String, CaseIterable, Sendable {
    case local
    case slurm
}

/// What a build was asked to do: the command line's `dbuild [targets…]` and its options, as values.
public struct BuildRequest: Sendable {
    /// Steps, name prefixes or output paths (empty: all).
    public var targets: [String] = []
    /// Print the plan with a reason for each step; run nothing (`-n`).
    public var dryRun = false
    /// With `dryRun`: the plan as JSON (schema dbuild.plan/1).
    public var json = false
    /// Steps to run at once (nil: the number of cores).
    public var jobs: Int?
    public var keepGoing = false
    /// Run every selected step, stale or not (`-B`).
    public var alwaysMake = false
    /// Run steps of `.protected()` rules again when they are stale.
    public var rebuildProtected = false
    /// Remove no `.temporary()` outputs in this build.
    public var keepTemporary = false
    public var verbose = false
    public var quiet = false
    /// nil: the Datafile's choice, else local.
    public var backend: BackendChoice?
    /// SLURM: stay until the submission finishes.
    public var wait = false
    public var pollInterval: Double = 30
    /// SLURM: write the scripts into this folder and submit nothing.
    public var emitOnly: String?
    public var maxCoreHours: Double?
    /// Replaces the Datafile's onFinish.
    public var onFinish: String?
    /// The submission folder whose next wave a continuation job submits.
    public var continueWave: String?

    public init() {}
}

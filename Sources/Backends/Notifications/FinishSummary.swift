import Foundation
import Targets

/// What an on-finish command is told when a build or a SLURM submission ends (schema
/// `dbuild.finish/1`, documented in the README under "Notifications"; fields are only ever added
/// within a version). Judged from the state, as `status` judges: a step succeeded if it was
/// recorded since the build began, failed or was blocked if that was noted since, is unchanged if it
/// is up to date now without having run (early cutoff), and otherwise did not run (cancelled, never
/// started). The same for a local build, a followed submission and a finish job that runs after
/// everyone has gone home.
public struct FinishSummary: Codable, Equatable {
    public static let schemaName = "dbuild.finish/1"
    /// Failures and blocked steps listed by name, at most (the counts are always whole).
    public static let listed = 50

    public struct Failure: Codable, Equatable {
        public var step: String
        public var message: String
        public var log: String
    }

    public struct Blocked: Codable, Equatable {
        public var step: String
        public var blocker: String
    }

    public var schema = FinishSummary.schemaName
    public var project: String
    /// "local" or "slurm".
    public var backend: String
    /// The SLURM submissions (the waves of one chain), oldest first; empty for a local build.
    public var submissions: [String] = []
    /// "succeeded", "failed" (a step failed or was blocked), "incomplete" (some did not run: cancelled,
    /// never started) or "interrupted" (a local build stopped by a signal).
    public var outcome = "succeeded"
    public var startedAt: Double
    public var endedAt: Double
    public var steps = 0
    public var succeeded = 0
    public var failed = 0
    public var blocked = 0
    /// Found unchanged after all (early cutoff): up to date without running.
    public var unchanged = 0
    public var notRun = 0
    public var failures: [Failure] = []
    public var blockedSteps: [Blocked] = []

    public init(project: String, backend: String, submissions: [String] = [], startedAt: Double, endedAt: Double = Date().timeIntervalSince1970) {
        self.project = project
        self.backend = backend
        self.submissions = submissions
        self.startedAt = startedAt
        self.endedAt = endedAt
    }

    /// Counts `steps` from what the state says happened to them since `startedAt`; `upToDate`: those
    /// up to date now (nil when unknown: every step without news then counts as not run).
    public mutating func judge(_ steps: [String], state: StateStore, upToDate: Set<String>? = nil, interrupted: Bool = false) throws {
        let records = try state.loadRecords(), failures = try state.loadFailures(), blocks = try state.loadBlocked()
        let since = startedAt              // times are this machine's: recorded when dbuild learned of each end
        for step in steps {
            self.steps += 1
            // A success clears a step's failure and block: one still there came after it.
            let failure = failures[step].flatMap { $0.failedAt >= since ? $0 : nil }
            let block = blocks[step].flatMap { $0.at >= since ? $0 : nil }
            let recorded = (records[step]?.finishedAt ?? -.infinity) >= since
            switch StepCondition.of(.init(sound: recorded && failure == nil, failed: failure != nil, blocked: block != nil)) {
            case .built: succeeded += 1
            case .failed:
                failed += 1
                if self.failures.count < Self.listed, let failure {
                    self.failures.append(Failure(step: step, message: failure.message, log: failure.logPath))
                }
            case .blocked:
                self.blocked += 1
                if blockedSteps.count < Self.listed, let block { blockedSteps.append(Blocked(step: step, blocker: block.blocker)) }
            default:
                if upToDate?.contains(step) == true { unchanged += 1 } else { notRun += 1 }
            }
        }
        outcome = interrupted ? "interrupted" : failed + blocked > 0 ? "failed" : notRun > 0 ? "incomplete" : "succeeded"
    }

    /// One line for a person: `dbuild /work/lensing: failed — 10 of 14 steps succeeded, 1 failed, 3 blocked`.
    public var line: String {
        var text = "dbuild \(project): \(outcome) — \(succeeded) of \(steps) step\(steps == 1 ? "" : "s") succeeded"
        if failed > 0 { text += ", \(failed) failed" }
        if blocked > 0 { text += ", \(blocked) blocked" }
        if unchanged > 0 { text += ", \(unchanged) unchanged" }
        if notRun > 0 { text += ", \(notRun) did not run" }
        return text
    }

    /// The environment the command sees besides its own.
    public var environment: [String: String] {
        ["DBUILD_OUTCOME": outcome, "DBUILD_PROJECT": project, "DBUILD_BACKEND": backend,
         "DBUILD_SUBMISSIONS": submissions.joined(separator: " "),
         "DBUILD_STEPS": "\(steps)", "DBUILD_SUCCEEDED": "\(succeeded)", "DBUILD_FAILED": "\(failed)",
         "DBUILD_BLOCKED": "\(blocked)", "DBUILD_UNCHANGED": "\(unchanged)", "DBUILD_NOT_RUN": "\(notRun)", "DBUILD_SUMMARY": line]
    }

    public func json() -> String { JSONOutput.text(self) }
}

import Foundation
import Targets

/// Keeps SLURM submission folders from piling up files. A submission whose steps have all been
/// ingested (their results are in the state store) is *settled*: its `results/` are compacted away
/// (its scripts and manifests stay, a few files), and after `keepDays` its folder is removed.
/// Nothing a running or queued job still needs is touched: a folder stays while any job of its
/// submission or its wave continuation is in the queue, while a submission still out names its
/// results (a step there needs one of its steps), or when the queue cannot be asked.
public struct SubmissionGC {
    public let state: StateStore
    public let client: SlurmCommands

    public init(state: StateStore, client: SlurmCommands) {
        self.state = state
        self.client = client
    }

    public struct Outcome: Equatable, Sendable {
        public var compacted: [String] = []
        public var removed: [String] = []
        /// Settled but kept, with why.
        public var kept: [(id: String, why: String)] = []
        public static func == (a: Outcome, b: Outcome) -> Bool {
            a.compacted == b.compacted && a.removed == b.removed && a.kept.map(\.id) == b.kept.map(\.id)
        }
    }

    /// Compacts every settled submission and removes those older than `keepDays` (0: every settled one).
    public func run(keepDays: Double, now: Double = Date().timeIntervalSince1970) throws -> Outcome {
        var outcome = Outcome()
        let all = try state.loadSubmissions(activeOnly: false)
        let fm = FileManager.default
        let settled = all.filter { $0.finished && fm.fileExists(atPath: $0.folder) }
        let old = { (s: SubmissionRecord) in now - s.createdAt >= keepDays * 86_400 }
        let candidates = settled.filter { old($0) || fm.fileExists(atPath: StepResult.folder($0.folder)) }
        guard !candidates.isEmpty else { return outcome }
        let queue: [(status: TaskStatus, comment: String)]
        do {
            queue = try client.queue()
        } catch {
            outcome.kept = candidates.map { ($0.id, "the queue cannot be asked (\(error)), so whether a job needs it is unknown") }
            return outcome
        }
        let liveJobs = Set(queue.filter(\.status.isLive).map(\.status.jobID))
        let liveComments = Set(queue.filter(\.status.isLive).map(\.comment))
        let stillOut = all.filter { !$0.finished }.flatMap(manifests(of:))
        for submission in candidates {
            if liveComments.contains(where: { $0.hasPrefix("dbuild:\(submission.id):") }) {
                outcome.kept.append((submission.id, "a job of it is still in the queue"))
            } else if let next = NextWave.read(submission.folder), let job = next.jobID, liveJobs.contains(job) {
                outcome.kept.append((submission.id, "its wave continuation (job \(job)) is still in the queue"))
            } else if let user = stillOut.first(where: { $0.mentions(submission.folder + "/results/") }) {
                outcome.kept.append((submission.id, "a step of submission \(user.submission) still out needs one of its results"))
            } else if old(submission) {
                try removeSlurmOutputs(of: submission)
                try fm.removeItem(atPath: submission.folder)
                outcome.removed.append(submission.id)
            } else {
                try fm.removeItem(atPath: StepResult.folder(submission.folder))
                outcome.compacted.append(submission.id)
            }
        }
        return outcome
    }

    /// SLURM's own output of the submission's tasks (`logs/<rule>/slurm-<job>_<task>.out`, kept by
    /// its tasks only when something was written there): it goes with the submission, and the rule's
    /// log folder too if that empties it.
    private func removeSlurmOutputs(of submission: SubmissionRecord) throws {
        let dotDbuild = ((submission.folder as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent
        let logs = (dotDbuild as NSString).deletingLastPathComponent + "/logs"
        for array in try state.loadSubmittedArrays(submission: submission.id) {
            let folder = logs + "/" + array.rule
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where name.hasPrefix("slurm-\(array.jobID)_") {
                unlink(folder + "/" + name)
            }
            rmdir(folder)
        }
    }

    private struct Manifest {
        let submission: String
        let bytes: Data
        func mentions(_ text: String) -> Bool { bytes.range(of: Data(text.utf8)) != nil }
    }

    private func manifests(of submission: SubmissionRecord) -> [Manifest] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: submission.folder)) ?? []
        return names.filter { $0.hasPrefix("array-") && $0.hasSuffix(".json") }.compactMap { name in
            FileManager.default.contents(atPath: submission.folder + "/" + name).map { Manifest(submission: submission.id, bytes: $0) }
        }
    }
}

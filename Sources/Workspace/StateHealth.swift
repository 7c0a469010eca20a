import Foundation
import Basics
import Targets
import Backends

/// Whether `.dbuild/state.db` can be used: opens it and runs SQLite's integrity check.
public enum StateHealth {
    public static func problem(_ project: Project) -> String? {
        let path = project.dotDbuild + "/state.db"
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            let store = try StateStore(path: path, readOnly: true)
            let verdict = try store.integrityCheck()
            _ = try store.loadRecords()
            return verdict == "ok" ? nil : "\(path) is damaged (\(verdict.prefix(200)))"
        } catch {
            return "\(path) cannot be read (\(error))"
        }
    }

    /// Moves a damaged `.dbuild/state.db` (and its journal files) aside, kept for inspection; returns
    /// where. Call with the lock held.
    public static func moveAside(_ project: Project) throws -> String {
        let path = project.dotDbuild + "/state.db"
        let aside = path + ".broken-\(Int(Date().timeIntervalSince1970))"
        for suffix in ["", "-wal", "-shm", "-journal"] where FileManager.default.fileExists(atPath: path + suffix) {
            guard rename(path + suffix, aside + suffix) == 0 else {
                throw DbuildFailure.setup("cannot move \(path + suffix) aside: \(String(cString: strerror(errno)))")
            }
        }
        return aside
    }

    /// `state gc`: ingests what finished (so it counts as settled), gives back settled submissions'
    /// files (`SubmissionGC`) and merges old log packs; returns what it did and how many packs merged.
    public static func collectGarbage(_ project: Project, olderThanDays days: Double) throws -> (SubmissionGC.Outcome, Int) {
        try project.lock()
        if !(try project.openState(readOnly: true).loadSubmissions(activeOnly: true)).isEmpty {
            _ = try project.refreshSubmissions()
        }
        let state = try project.openState(readOnly: false)
        let outcome = try SubmissionGC(state: state, client: SlurmClient()).run(keepDays: days)
        project.finishKilledTasksPacks(of: outcome.compacted + outcome.removed)
        let merged = LogPackGC.merge(folder: StepLogs.packsFolder(logsDirectory: project.root + "/logs"), olderThan: days * 86_400,
                                     inUse: try project.packInUse(state))
        if (try state.loadSubmissions(activeOnly: true)).isEmpty {
            // Nothing runs (the lock is held, nothing is out on SLURM): a staging folder left now is
            // a killed attempt's, never a product.
            StagedOutputs.removeAll(project: project.root, roots: project.graph.roots)
        }
        return (outcome, merged)
    }
}

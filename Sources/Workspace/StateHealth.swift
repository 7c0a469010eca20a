import Foundation
import Basics
import Targets

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
}

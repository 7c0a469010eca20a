import Foundation
import Rules
import Targets

extension Project {
    /// `dbuild clean`: removes these products (a folder product whole) and forgets these steps'
    /// records (the next build makes them again), under the project's lock; then the folders the
    /// removal left empty, up to the project's folder or the root's location (never those).
    public func remove(_ files: [String], forgetting steps: [String]) throws {
        try lock()
        let state = try openState(readOnly: false)
        var parents = Set<String>()
        for file in files {
            let path = fileSystem.absolute(file)
            if isFolderPath(file) { try? FileManager.default.removeItem(atPath: String(path.dropLast())) } else { fileSystem.removeFile(file) }
            parents.insert(((isFolderPath(file) ? String(path.dropLast()) : path) as NSString).deletingLastPathComponent)
        }
        try state.forget(steps)
        let stops = Set([root] + graph.roots.names.flatMap { graph.roots.locations[$0] ?? [] })
        for folder in parents.sorted(by: >) { removeEmptyFolders(from: folder, stoppingAt: stops) }
    }

    /// `folder` and its parents while each is empty (rmdir refuses one that is not).
    private func removeEmptyFolders(from folder: String, stoppingAt stops: Set<String>) {
        var current = folder
        while !stops.contains(current), current.count > 1, rmdir(current) == 0 {
            current = (current as NSString).deletingLastPathComponent
        }
    }
}

/// "1 file", "3 files": counts in messages.
public func counted(_ n: Int, _ noun: String, _ plural: String? = nil) -> String {
    "\(n) " + (n == 1 ? noun : plural ?? noun + "s")
}

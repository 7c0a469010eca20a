import Foundation
import Basics
import Targets

/// The dbuild that array tasks run: a copy of the planning executable kept in the project's state
/// folder, named by its content (`.dbuild/bin/<xxh3>/dbuild`, with the Rules module beside it). Queued jobs wait for days; a
/// rebuild or an upgrade of dbuild meanwhile must not change the program under them, and a binary
/// on a login node's own disk is not there on compute nodes — the project folder is. Submissions
/// made by the same executable share one copy.
public enum DbuildCopy {
    /// Copies `executable` into `dotDbuild/bin/<hash>/dbuild` unless that copy is already there
    /// (written to a temporary name and renamed, so a task never starts a half-copied binary), with
    /// `companions` (path inside the copy's folder → source: the Rules module a continuation job
    /// needs to evaluate the Datafile), and returns the copy's absolute path.
    public static func install(_ executable: String, into dotDbuild: String, companions: [String: String] = [:]) throws -> String {
        let disk = DiskFileSystem(root: "/")
        guard let hash = disk.contentHash(executable) else {
            throw SpawnError(description: "cannot read the dbuild executable at \(executable) to copy it for the jobs")
        }
        let folder = "\(dotDbuild)/bin/\(String(hash, radix: 16))"
        for (name, source) in companions.sorted(by: { $0.key < $1.key }) {
            try place(source, at: folder + "/" + name, disk)
        }
        let target = folder + "/dbuild"
        try place(executable, at: target, disk)
        chmod(target, 0o755)
        return target
    }

    private static func place(_ source: String, at target: String, _ disk: DiskFileSystem) throws {
        if let existing = disk.status(target), existing.size == disk.status(source)?.size { return }
        let folder = String(target[..<target.lastIndex(of: "/")!])
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let temporary = "\(target).\(getpid()).tmp"
        try? FileManager.default.removeItem(atPath: temporary)
        try copyFile(source, temporary)
        chmod(temporary, 0o755)
        guard rename(temporary, target) == 0 else {
            unlink(temporary)
            throw SpawnError(description: "cannot place the dbuild copy at \(target): \(String(cString: strerror(errno)))")
        }
    }
}

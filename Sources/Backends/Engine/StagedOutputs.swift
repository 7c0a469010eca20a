import Foundation
import Basics
import Rules
import Targets

/// One attempt's staging folders (see `Targets/Staging`): made empty before the recipe starts,
/// moved into place when the step succeeded (`commit`), removed otherwise (`discard`). The same
/// for a recipe run here and one run in an array task.
public struct StagedOutputs: Codable, Equatable, Sendable {
    /// Where the recipe writes each output (relative to the project, or absolute).
    public var paths: [String]
    /// Each staging folder and the folder its contents replace into.
    public var folders: [Folder]

    public struct Folder: Codable, Equatable, Sendable {
        public var staging: String
        public var target: String
    }

    /// nil when the step's outputs are written in place. `key`: a reused folder's (a local build's
    /// slot); by default the step's own.
    public init?(step: String, outputs: [String], roots: RootLocations, key: String? = nil) {
        guard let layout = Staging.layout(step: step, outputs: outputs, roots: roots, key: key) else { return nil }
        paths = layout.paths
        folders = layout.folders.map { Folder(staging: $0.staging, target: $0.target) }
    }

    /// Empties the staging folders (an earlier attempt's leftovers go) and makes the folders the
    /// staged outputs are written into. `base` is the project folder.
    public func prepare(base: String) throws {
        for folder in folders { try Self.empty(absolute(folder.staging, base)) }
        for path in paths {
            try Self.makeFolders((absolute(path, base) as NSString).deletingLastPathComponent)
        }
    }

    /// The folder, there and empty: an earlier attempt's leftovers go, an empty folder is kept (no
    /// inode freed and allocated again), a missing one is made.
    static func empty(_ folder: String) throws {
        for name in try names(in: folder) { try? FileManager.default.removeItem(atPath: folder + "/" + name) }
        try makeFolders(folder)
    }

    /// Every `run-<pid>-<slot>` staging folder whose dbuild is gone (killed): what it left goes.
    public static func removeDeadRuns(project: String, roots: RootLocations) {
        var parents = [project + "/" + Staging.projectFolder]
        for name in roots.names { if let first = roots.locations[name]?.first { parents.append(first + "/" + Staging.rootFolder) } }
        for parent in parents {
            for name in (try? names(in: parent)) ?? [] where name.hasPrefix("run-") {
                let pid = name.split(separator: "-").dropFirst().first.flatMap { Int32($0) } ?? 0
                if pid > 0 && pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH {
                    try? FileManager.default.removeItem(atPath: parent + "/" + name)
                }
            }
        }
    }

    /// mkdir -p, with the system's reason when it cannot. (Once more when a folder on the way
    /// vanished meanwhile: another dbuild removed the empty staging parent at its build's end.)
    static func makeFolders(_ path: String, again: Bool = true) throws {
        if access(path, F_OK) == 0 { return }
        var partial = ""
        for component in path.split(separator: "/") {
            partial += "/" + component
            if mkdir(partial, 0o755) != 0 && errno != EEXIST {
                if errno == ENOENT && again { return try makeFolders(path, again: false) }
                throw FileError(path: partial, errno: errno)
            }
        }
    }

    /// Moves everything the recipe wrote into the staging folders to the same place under their
    /// targets (renames: the products' own file system; a copy then a rename where it is not).
    /// The emptied staging folders stay until `removeFolders` (a build's or task's end): a folder
    /// removed between two creations costs each later creation a scan of the freed inodes on ext4.
    public func commit(base: String, products: [String], fileSystem: DiskFileSystem) throws {
        // A folder product replaces the one before whole (a file it no longer writes must not
        // survive): swapped in one step, then the old tree goes with the staging folder.
        for (staged, product) in zip(paths, products) where isFolderPath(product) {
            let from = String(absolute(staged, base).dropLast()), to = String(fileSystem.writable(product).dropLast())
            var info = stat()
            if lstat(to, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR {
                try exchangePaths(from, to)
                removeTree(from)
            } else {
                try Self.makeFolders((to as NSString).deletingLastPathComponent)
                guard rename(from, to) == 0 else { throw FileError(path: to, errno: errno) }
            }
        }
        for folder in folders {
            try Self.moveContents(of: absolute(folder.staging, base), into: absolute(folder.target, base))
        }
    }

    /// Removes emptied staging folders (after `commit`), all at once.
    public static func removeFolders(_ folders: [String]) {
        for folder in folders where rmdir(folder) != 0 && errno != ENOENT {
            try? FileManager.default.removeItem(atPath: folder)           // subfolders merged into the products
        }
    }

    /// This attempt's staging folders, absolute.
    public func absoluteFolders(base: String) -> [String] { folders.map { absolute($0.staging, base) } }

    /// Removes the staging folders and all they hold: the products were never touched.
    public func discard(base: String) {
        for folder in folders { removeTree(absolute(folder.staging, base)) }
    }

    /// The folders that hold every step's staging folder, removed when empty (a build's end): a
    /// project keeps no folder of dbuild's it does not need.
    public static func removeEmptyParents(project: String, roots: RootLocations) {
        rmdir(project + "/" + Staging.projectFolder)
        for name in roots.names { if let first = roots.locations[name]?.first { rmdir(first + "/" + Staging.rootFolder) } }
    }

    /// Every staging folder (`state gc`, when no step can be running): what killed attempts left.
    public static func removeAll(project: String, roots: RootLocations) {
        try? FileManager.default.removeItem(atPath: project + "/" + Staging.projectFolder)
        for name in roots.names {
            if let first = roots.locations[name]?.first { try? FileManager.default.removeItem(atPath: first + "/" + Staging.rootFolder) }
        }
    }

    private func absolute(_ path: String, _ base: String) -> String {
        path.hasPrefix("/") ? path : path == "." ? base : base + "/" + path
    }

    private func removeTree(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Files replace files by rename (readers see the old product or the new, never half of one);
    /// a folder that does not exist at the target moves whole; one that does is merged into.
    static func moveContents(of source: String, into target: String) throws {
        for name in try names(in: source) {
            let from = source + "/" + name, to = target + "/" + name
            var fromInfo = stat(), toInfo = stat()
            guard lstat(from, &fromInfo) == 0 else { continue }
            let isFolder = fromInfo.st_mode & S_IFMT == S_IFDIR
            if isFolder && lstat(to, &toInfo) == 0 && toInfo.st_mode & S_IFMT == S_IFDIR {
                try moveContents(of: from, into: to)
            } else {
                try move(from, to, isFolder: isFolder)
            }
        }
    }

    private static func move(_ from: String, _ to: String, isFolder: Bool) throws {
        if rename(from, to) == 0 { return }
        guard errno == EXDEV else { throw FileError(path: to, errno: errno) }
        // Another file system (a folder linked elsewhere): copied beside the target, then renamed.
        if isFolder {
            guard mkdir(to, 0o755) == 0 || errno == EEXIST else { throw FileError(path: to, errno: errno) }
            try moveContents(of: from, into: to)
            return
        }
        let partial = to + ".dbuild-partial"
        try copyFile(from, partial)
        guard rename(partial, to) == 0 else {
            unlink(partial)
            throw FileError(path: to, errno: errno)
        }
        unlink(from)
    }

    private static func names(in folder: String) throws -> [String] {
        guard let stream = opendir(folder) else {
            if errno == ENOENT { return [] }
            throw FileError(path: folder, errno: errno)
        }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}

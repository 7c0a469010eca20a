#if canImport(Glibc)
import Glibc
#endif
import CXXHash

/// One file or folder inside a folder product.
public struct TreeEntry: Equatable, Sendable {
    /// Relative to the product, "/"-separated.
    public var path: String
    public var size: Int64
    public var mtimeNanos: Int64
    public var isFolder: Bool
}

/// A folder product's tree (see `dir` in Rules), in path order, so listing order never matters.
/// Its status — total bytes, newest mtime of any file or folder in it (a removal changes its
/// folder's), and a digest of every entry's path, size and mtime in place of an inode — is what
/// staleness, snapshots and the post-build check compare, as they do a file's.
public struct FolderTree: Equatable, Sendable {
    public var entries: [TreeEntry]
    public var ownMtimeNanos: Int64

    public var files: [TreeEntry] { entries.filter { !$0.isFolder } }
    public var totalBytes: Int64 { entries.reduce(0) { $0 + ($1.isFolder ? 0 : $1.size) } }

    public var status: FileStatus {
        let newest = entries.reduce(ownMtimeNanos) { max($0, $1.mtimeNanos) }
        return FileStatus(size: totalBytes, mtimeNanos: newest, inode: digest, type: .folder)
    }

    /// XXH3 of every entry's path, size and mtime, in path order.
    public var digest: UInt64 {
        var bytes: [UInt8] = []
        for entry in entries {
            bytes.append(contentsOf: entry.path.utf8)
            bytes.append(0)
            bytes.append(contentsOf: "\(entry.isFolder ? -1 : entry.size) \(entry.mtimeNanos)\n".utf8)
        }
        return bytes.withUnsafeBytes { XXH3_64bits($0.baseAddress, $0.count) }
    }

    /// The tree under an absolute path; nil when it is not a folder.
    public static func read(_ folder: String) -> FolderTree? {
        var info = stat()
        guard stat(folder, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { return nil }
        var entries: [TreeEntry] = []
        walk(folder, prefix: "", into: &entries)
        entries.sort { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        return FolderTree(entries: entries, ownMtimeNanos: nanos(info.st_mtim))
    }

    private static func walk(_ folder: String, prefix: String, into entries: inout [TreeEntry]) {
        guard let stream = opendir(folder) else { return }
        defer { closedir(stream) }
        let descriptor = dirfd(stream)
        var subfolders: [(String, String)] = []
        while let entry = readdir(stream) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name == "." || name == ".." { continue }
            var info = stat()
            guard fstatat(descriptor, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
            let isFolder = info.st_mode & S_IFMT == S_IFDIR
            entries.append(TreeEntry(path: prefix + name, size: Int64(info.st_size), mtimeNanos: nanos(info.st_mtim), isFolder: isFolder))
            if isFolder { subfolders.append((folder + "/" + name, prefix + name + "/")) }
        }
        for (path, inner) in subfolders { walk(path, prefix: inner, into: &entries) }
    }

    private static func nanos(_ time: timespec) -> Int64 { Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec) }

    /// Files missing, changed (size or mtime) and extra against a recorded tree.
    public func differences(from recorded: FolderTree) -> (missing: [String], changed: [String], extra: [String]) {
        var now: [String: TreeEntry] = [:]
        for entry in files { now[entry.path] = entry }
        var missing: [String] = [], changed: [String] = []
        var seen = Set<String>()
        for entry in recorded.files {
            seen.insert(entry.path)
            guard let current = now[entry.path] else { missing.append(entry.path); continue }
            if current.size != entry.size || current.mtimeNanos != entry.mtimeNanos { changed.append(entry.path) }
        }
        let extra = files.map(\.path).filter { !seen.contains($0) }
        return (missing, changed, extra)
    }

    /// "1 missing: a/b; 2 extra: c, d" (a few of each named).
    public static func describe(_ d: (missing: [String], changed: [String], extra: [String])) -> String {
        func part(_ list: [String], _ what: String) -> String? {
            guard !list.isEmpty else { return nil }
            return "\(list.count) \(what): " + list.prefix(3).joined(separator: ", ") + (list.count > 3 ? ", …" : "")
        }
        return [part(d.missing, "missing"), part(d.changed, "changed"), part(d.extra, "extra")].compactMap { $0 }.joined(separator: "; ")
    }

    // MARK: stored form (the state's folder_trees): one line per entry, "size mtime path", a folder's size -1

    public func encoded() -> [UInt8] {
        var bytes = Array("\(ownMtimeNanos)\n".utf8)
        for entry in entries {
            bytes.append(contentsOf: "\(entry.isFolder ? -1 : entry.size) \(entry.mtimeNanos) ".utf8)
            bytes.append(contentsOf: entry.path.utf8)
            bytes.append(UInt8(ascii: "\n"))
        }
        return bytes
    }

    public static func decoded(_ bytes: [UInt8]) -> FolderTree? {
        let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        guard let first = lines.first, let own = Int64(String(decoding: first, as: UTF8.self)) else { return nil }
        var entries: [TreeEntry] = []
        for line in lines.dropFirst() where !line.isEmpty {
            let parts = line.split(separator: UInt8(ascii: " "), maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, let size = Int64(String(decoding: parts[0], as: UTF8.self)),
                  let mtime = Int64(String(decoding: parts[1], as: UTF8.self)) else { return nil }
            entries.append(TreeEntry(path: String(decoding: parts[2], as: UTF8.self), size: max(0, size), mtimeNanos: mtime, isFolder: size < 0))
        }
        return FolderTree(entries: entries, ownMtimeNanos: own)
    }
}

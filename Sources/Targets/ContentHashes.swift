/// A content hash remembered with the file facts that make it trustworthy.
public struct CachedHash: Equatable, Sendable {
    public var size: Int64
    public var mtimeNanos: Int64
    public var inode: UInt64
    public var hash: UInt64

    public init(size: Int64, mtimeNanos: Int64, inode: UInt64, hash: UInt64) {
        self.size = size
        self.mtimeNanos = mtimeNanos
        self.inode = inode
        self.hash = hash
    }

    func matches(_ status: FileStatus) -> Bool {
        status.size == size && status.mtimeNanos == mtimeNanos && status.inode == inode
    }
}

/// Content hashes, read again only when a file's size, mtime or inode changed since it was hashed
/// (under a named root: size or mtime, so that a copied disk is not read again).
public final class ContentHashes {
    public let fileSystem: FileSystem
    private var cache: [String: CachedHash]
    /// Entries computed in this run, to be written back to the state store.
    public private(set) var fresh: [String: CachedHash] = [:]
    public private(set) var filesRead = 0

    public init(fileSystem: FileSystem, cache: [String: CachedHash]) {
        self.fileSystem = fileSystem
        self.cache = cache
    }

    /// The file's hash, or nil when it is missing or unreadable.
    public func hash(_ path: String) -> UInt64? {
        guard let status = fileSystem.status(path) else { return nil }
        if let known = cache[path], known.matches(status) { return known.hash }
        if let known = cache[path], path.utf8.first == UInt8(ascii: "@"), known.size == status.size, known.mtimeNanos == status.mtimeNanos {
            // Under a root, a copy made with cp -a or rsync -a (a moved disk) keeps size and mtime to
            // the nanosecond but not the inode: trusted, and remembered with its new inode.
            let entry = CachedHash(size: status.size, mtimeNanos: status.mtimeNanos, inode: status.inode, hash: known.hash)
            cache[path] = entry
            fresh[path] = entry
            return known.hash
        }
        guard let hash = fileSystem.contentHash(path) else { return nil }
        filesRead += 1
        let entry = CachedHash(size: status.size, mtimeNanos: status.mtimeNanos, inode: status.inode, hash: hash)
        cache[path] = entry
        fresh[path] = entry
        return hash
    }

    public func takeFresh() -> [String: CachedHash] {
        defer { fresh = [:] }
        return fresh
    }
}

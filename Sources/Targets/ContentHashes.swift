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

/// Content hashes, read again only when a file's size, mtime or inode changed since it was hashed.
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

import Targets

/// A file system in a dictionary, with its own clock: every write or touch happens one tick later,
/// so mtime order is exactly the order of operations.
public final class InMemoryFileSystem: FileSystem {
    public struct File {
        public var content: [UInt8]
        public var mtime: Int64
        public var inode: UInt64
    }

    public private(set) var files: [String: File] = [:]
    public private(set) var clock: Int64 = 1_000
    private var nextInode: UInt64 = 1
    public private(set) var hashReads = 0

    public init() {}

    public func tick() -> Int64 {
        clock += 1
        return clock
    }

    public func write(_ path: String, _ text: String) {
        nextInode += 1
        files[path] = File(content: Array(text.utf8), mtime: tick(), inode: nextInode)
    }

    /// Sets the mtime to now without changing the content.
    public func touch(_ path: String) {
        files[path]?.mtime = tick()
    }

    public func read(_ path: String) -> String? {
        files[path].map { String(decoding: $0.content, as: UTF8.self) }
    }

    public func status(_ path: String) -> FileStatus? {
        guard let file = files[path] else { return nil }
        return FileStatus(size: Int64(file.content.count), mtimeNanos: file.mtime, inode: file.inode)
    }

    public func contentHash(_ path: String) -> UInt64? {
        guard let file = files[path] else { return nil }
        hashReads += 1
        return file.content.withUnsafeBytes { xxh3Raw($0.baseAddress, $0.count) }
    }

    public func removeFile(_ path: String) { files[path] = nil }

    public func createParentDirectories(of path: String) {}
}

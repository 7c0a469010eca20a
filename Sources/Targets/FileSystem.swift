import Rules
#if canImport(Glibc)
import Glibc
#endif
import CXXHash

/// What kind of thing is at a path.
public enum FileType: UInt8, Sendable {
    case regular, folder, namedPipe, socket, device, other

    init(mode: mode_t) {
        switch mode & S_IFMT {
        case S_IFREG: self = .regular
        case S_IFDIR: self = .folder
        case S_IFIFO: self = .namedPipe
        case S_IFSOCK: self = .socket
        case S_IFCHR, S_IFBLK: self = .device
        default: self = .other
        }
    }

    /// "a folder", "a named pipe", …: what a message says is on disk.
    public var text: String {
        switch self {
        case .regular: return "a file"
        case .folder: return "a folder"
        case .namedPipe: return "a named pipe"
        case .socket: return "a socket"
        case .device: return "a device"
        case .other: return "neither a file nor a folder"
        }
    }
}

/// What staleness needs to know about a file.
public struct FileStatus: Equatable, Sendable {
    public var size: Int64
    public var mtimeNanos: Int64
    public var inode: UInt64
    public var type: FileType
    public var isRegularFile: Bool { type == .regular }

    public init(size: Int64, mtimeNanos: Int64, inode: UInt64, type: FileType = .regular) {
        self.size = size
        self.mtimeNanos = mtimeNanos
        self.inode = inode
        self.type = type
    }
}

/// The file operations staleness and building need, so the engine can run on an in-memory fake.
/// Paths are relative to the project root (or absolute, for source data elsewhere), or under a
/// named root (`@lp/a/b`, see `RootLocations`).
public protocol FileSystem: AnyObject {
    func status(_ path: String) -> FileStatus?
    /// XXH3-64 of the file's bytes; nil when the file cannot be read.
    func contentHash(_ path: String) -> UInt64?
    func removeFile(_ path: String)
    /// Creates the folders a file will be written into.
    func createParentDirectories(of path: String)
    /// Another instance for use on another thread at the same time (nil: this one must do it all).
    func forAnotherThread() -> FileSystem?
    /// A folder product's tree (`path` ends with "/"); nil when it is not a folder.
    func tree(_ path: String) -> FolderTree?
    /// Brackets many lookups while nothing writes (a staleness scan, the post-build check): lookups
    /// may then be served from folders opened once.
    func beginScan()
    func endScan()
}

extension FileSystem {
    public func forAnotherThread() -> FileSystem? { nil }
    public func tree(_ path: String) -> FolderTree? { nil }
    public func beginScan() {}
    public func endScan() {}
}

/// The real disk, rooted at the project directory. Uses stat(2) directly: Foundation's attribute
/// calls cost ~15 syscalls a file. For use from one thread at a time.
public final class DiskFileSystem: FileSystem {
    public let root: String
    /// The Datafile's named roots on this machine.
    public var roots = RootLocations()
    /// The project folder, opened once: relative paths are looked up from it (fstatat), so the kernel
    /// does not walk the project's own path again for each of a million files.
    private let rootDescriptor: Int32

    public init(root: String) {
        self.root = root
        rootDescriptor = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    }

    public func forAnotherThread() -> FileSystem? {
        let other = DiskFileSystem(root: root)
        other.roots = roots
        return other
    }

    /// During a scan, the folder of the last relative path looked up, kept open: products come
    /// twenty to a folder in scan order, and a lookup of `mock_s3.h5` in an open folder walks one
    /// path component, not three (the kernel's path walk was a quarter of a no-op's time).
    private var lastFolder: (path: Substring, descriptor: Int32)?
    private let missingFolder: Int32 = -2
    private var nothingChanges = false

    /// Between `beginScan` and `endScan` (a staleness scan, which writes nothing) folders are opened
    /// once and a folder found missing is trusted to stay missing. Outside a scan every lookup walks
    /// the whole path: a recipe may have removed and recreated its output's folder (`rm -rf out &&
    /// mkdir out`), and a descriptor opened before it ran names the removed folder, where nothing is.
    public func beginScan() { nothingChanges = true }

    public func endScan() {
        nothingChanges = false
        if let folder = lastFolder, folder.descriptor >= 0 { close(folder.descriptor) }
        lastFolder = nil
    }

    deinit {
        if rootDescriptor >= 0 { close(rootDescriptor) }
        if let folder = lastFolder, folder.descriptor >= 0 { close(folder.descriptor) }
    }

    /// The file on disk: under a root, the first location that has it. A folder product's path
    /// keeps its trailing "/".
    public func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        if let found = roots.existing(path) { return found }
        return root + "/" + path
    }

    /// Where a file is to be written: under a root, its first location.
    public func writable(_ path: String) -> String {
        roots.writable(path) ?? absolute(path)
    }

    public func status(_ path: String) -> FileStatus? {
        if isFolderPath(path) {
            if let tree = tree(path) { return tree.status }
            return status(String(path.dropLast()))          // a file where a folder is declared, or nothing
        }
        var info = stat()
        guard lookUp(path, &info) == 0 else { return nil }
        return FileStatus(size: Int64(info.st_size),
                          mtimeNanos: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec),
                          inode: UInt64(info.st_ino), type: FileType(mode: info.st_mode))
    }

    private func lookUp(_ path: String, _ info: inout stat) -> Int32 {
        if let candidates = roots.candidates(path) {
            for candidate in candidates where stat(candidate, &info) == 0 { return 0 }
            return -1
        }
        if path.utf8.first == UInt8(ascii: "/") || rootDescriptor < 0 { return stat(absolute(path), &info) }
        if !nothingChanges { return fstatat(rootDescriptor, path, &info, 0) }
        // Byte offsets, not String indices: finding "/" by Character costs grapheme breaking per file.
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return fstatat(rootDescriptor, path, &info, 0) }
        let folder = Substring(path.utf8[..<slash])
        if lastFolder?.path != folder {
            if let last = lastFolder, last.descriptor >= 0 { close(last.descriptor) }
            let descriptor = openat(rootDescriptor, String(folder), openPathOnly | O_DIRECTORY | O_CLOEXEC)
            lastFolder = (folder, descriptor >= 0 ? descriptor : errno == ENOENT && nothingChanges ? missingFolder : -1)
        }
        let descriptor = lastFolder!.descriptor
        // No such folder during a scan: no file in it either — a fresh campaign's dry run stats each
        // folder once, not each of its products. Otherwise the whole path, which reports why.
        if descriptor == missingFolder { return -1 }
        if descriptor < 0 { return fstatat(rootDescriptor, path, &info, 0) }
        let nameOffset = path.utf8.distance(from: path.utf8.startIndex, to: slash) + 1
        return path.withCString { fstatat(descriptor, $0 + nameOffset, &info, 0) }
    }

    public func tree(_ path: String) -> FolderTree? {
        FolderTree.read(String(absolute(path).dropLast()))
    }

    public func contentHash(_ path: String) -> UInt64? {
        if isFolderPath(path) {
            // A folder product's content: each file's path, size and content hash, in path order.
            guard let tree = tree(path) else { return nil }
            var bytes: [UInt8] = []
            for entry in tree.files {
                guard let hash = contentHash(path + entry.path) else { return nil }
                bytes.append(contentsOf: entry.path.utf8)
                bytes.append(contentsOf: "\0\(entry.size) \(hash)\n".utf8)
            }
            return bytes.withUnsafeBytes { XXH3_64bits($0.baseAddress, $0.count) }
        }
        let fd = open(absolute(path), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard let state = XXH3_createState() else { return nil }
        defer { XXH3_freeState(state) }
        XXH3_64bits_reset(state)
        let bufferSize = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: bufferSize, alignment: 64)
        defer { buffer.deallocate() }
        while true {
            let count = read(fd, buffer, bufferSize)
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            XXH3_64bits_update(state, buffer, count)
        }
        return XXH3_64bits_digest(state)
    }

    public func removeFile(_ path: String) {
        // Only regular files and symlinks: a declared output that is a device or directory is never removed.
        var info = stat()
        guard lstat(absolute(path), &info) == 0 else { return }
        let kind = info.st_mode & S_IFMT
        if kind == S_IFREG || kind == S_IFLNK { unlink(absolute(path)) }
    }

    public func createParentDirectories(of path: String) {
        let full = writable(path)
        guard let slash = full.lastIndex(of: "/"), slash != full.startIndex else { return }
        let directory = String(full[..<slash])
        if access(directory, F_OK) == 0 { return }
        var partial = ""
        for component in directory.split(separator: "/") {
            partial += "/" + component
            if mkdir(partial, 0o755) != 0 && errno != EEXIST { return }
        }
    }
}

/// Linux's O_PATH (a descriptor only for lookups: needs no read permission), missing from Glibc's Swift module.
private let openPathOnly: Int32 = 0o10000000

/// XXH3-64 of a string's UTF-8 bytes, for signatures.
public func xxh3(_ text: String) -> UInt64 {
    var copy = text
    return copy.withUTF8 { XXH3_64bits($0.baseAddress, $0.count) }
}

/// XXH3-64 of raw bytes.
public func xxh3Raw(_ pointer: UnsafeRawPointer?, _ count: Int) -> UInt64 {
    XXH3_64bits(pointer, count)
}

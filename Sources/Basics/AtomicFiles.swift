import Foundation
import CSpawn

/// Writes to a temporary name in the same folder, then renames: readers see all of it or nothing.
public func writeAtomically(_ data: Data, to path: String) throws {
    let folder = (path as NSString).deletingLastPathComponent
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let temporary = "\(folder)/.\((path as NSString).lastPathComponent).\(getpid()).tmp"
    guard FileManager.default.createFile(atPath: temporary, contents: data) else {
        throw FileError(path: temporary, errno: errno)
    }
    guard rename(temporary, path) == 0 else {
        unlink(temporary)
        throw FileError(path: path, errno: errno)
    }
}

/// Byte copy keeping mode and mtime (what cp -a keeps of a regular file), flushed to disk.
public func copyFile(_ source: String, _ destination: String) throws {
    var info = stat()
    let input = open(source, O_RDONLY | O_CLOEXEC)
    guard input >= 0, fstat(input, &info) == 0 else { throw FileError(path: source, errno: errno) }
    defer { close(input) }
    let output = open(destination, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, info.st_mode & 0o7777)
    guard output >= 0 else { throw FileError(path: destination, errno: errno) }
    defer { close(output) }
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: 1 << 20, alignment: 64)
    defer { buffer.deallocate() }
    while true {
        let count = read(input, buffer, 1 << 20)
        if count == 0 { break }
        if count < 0 { if errno == EINTR { continue }; throw FileError(path: source, errno: errno) }
        var written = 0
        while written < count {
            let n = write(output, buffer + written, count - written)
            if n < 0 { if errno == EINTR { continue }; throw FileError(path: destination, errno: errno) }
            written += n
        }
    }
    var times = [info.st_atim, info.st_mtim]
    guard fsync(output) == 0, futimens(output, &times) == 0 else { throw FileError(path: destination, errno: errno) }
}

/// A file operation the system refused: the path and why.
public struct FileError: Error, CustomStringConvertible {
    public let path: String
    public let errno: Int32
    public init(path: String, errno: Int32) {
        self.path = path
        self.errno = errno
    }
    public var description: String { "cannot write \(path): \(String(cString: strerror(errno)))" }
}

/// Swaps two existing paths in one step (Linux renameat2 RENAME_EXCHANGE): a reader sees the old
/// folder or the new, never neither. Throws where the file system cannot (then nothing moved).
public func exchangePaths(_ a: String, _ b: String) throws {
    guard dbuild_exchange_paths(a, b) == 0 else { throw FileError(path: b, errno: errno) }
}

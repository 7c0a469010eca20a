import Foundation

/// Where finished steps' logs go instead of one file each: parallel filesystems count files, and a
/// 10^6-step campaign must not ask for 10^6 of them. A running step writes a plain log (so `tail -f`
/// works); once it has succeeded its log is appended to a pack and the plain file removed (an empty
/// log is simply removed). Failed steps keep their plain log: those are the ones people open.
///
/// A pack is `<name>.pack`, entries one after another, each `dbuild-log <bytes> <finished> <step>\n`,
/// the log's bytes, and `\n`; `<name>.index` has one line per entry, `<offset> <bytes> <finished>
/// <step>\n`. Both are only appended to. A pack is written before its index line and the plain log
/// is removed last, so dbuild killed at any moment loses no log: at worst a log is both in the pack
/// and still a plain file, or in the pack but not yet indexed (readers scan the pack past the index).
public final class LogPackWriter {
    /// `logs/packs` under the project.
    public let folder: String
    public let name: String
    private var pack: Int32 = -1
    private var index: Int32 = -1
    private var offset: Int64 = 0
    /// Set when the pack cannot be written (disk full): logs then stay plain files.
    private var broken = false

    public init(folder: String, name: String) {
        self.folder = folder
        self.name = name
    }

    deinit { close() }

    public var packPath: String { "\(folder)/\(name).pack" }
    public var indexPath: String { "\(folder)/\(name).index" }

    /// Moves the plain log at `logPath` into the pack (or removes it when empty), stamped with the
    /// time it was last written. A log that cannot be packed stays where it is.
    public func take(step: String, logPath: String) {
        let source = open(logPath, O_RDONLY | O_CLOEXEC)
        guard source >= 0 else { return }
        defer { Foundation.close(source) }
        var info = stat()
        guard fstat(source, &info) == 0 else { return }
        if info.st_size == 0 {
            unlink(logPath)
            return
        }
        guard !broken else { return }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        let read = bytes.withUnsafeMutableBytes { pread(source, $0.baseAddress, $0.count, 0) }
        guard read == bytes.count else { return }
        let finishedAt = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
        if append(step: step, bytes: bytes, finishedAt: finishedAt) { unlink(logPath) }
    }

    /// Appends one log; false when it could not be written whole (the pack is then not used again).
    @discardableResult
    public func append(step: String, bytes: [UInt8], finishedAt: Double) -> Bool {
        guard !broken, openIfNeeded() else { return false }
        let time = String(format: "%.3f", finishedAt)
        let header = Array("dbuild-log \(bytes.count) \(time) \(step)\n".utf8)
        let start = offset + Int64(header.count)
        guard writeAll(pack, header + bytes + [10]) else { broken = true; return false }
        offset = start + Int64(bytes.count) + 1
        guard writeAll(index, Array("\(start) \(bytes.count) \(time) \(step)\n".utf8)) else { broken = true; return false }
        return true
    }

    public func close() {
        if pack >= 0 { Foundation.close(pack) }
        if index >= 0 { Foundation.close(index) }
        pack = -1
        index = -1
    }

    private func openIfNeeded() -> Bool {
        if pack >= 0 { return true }
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        pack = open(packPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        index = open(indexPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard pack >= 0, index >= 0 else { close(); broken = true; return false }
        // A requeued array task appends to the pack its earlier run began.
        offset = Int64(lseek(pack, 0, SEEK_END))
        return true
    }

    private func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            done += n
        }
        return true
    }
}

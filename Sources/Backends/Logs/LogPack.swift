import Foundation

/// Where finished steps' logs go instead of one file each: parallel filesystems count files, and a
/// 10^6-step campaign must not ask for 10^6 of them. A running step writes a plain log (so `tail -f`
/// works); once it has succeeded its log is appended to a pack, and the plain file removed when the
/// pack is closed (an empty log is simply removed). Failed steps keep their plain log: those are the
/// ones people open. A closed pack's index ends with the line `closed`.
///
/// A pack is `<name>.pack`, entries one after another, each `dbuild-log <bytes> <finished> <step>\n`,
/// the log's bytes, and `\n`; `<name>.index` has one line per entry, `<offset> <bytes> <finished>
/// <step>\n`. Both are only appended to. A pack is written before its index line and the plain log
/// is removed last, so dbuild killed at any moment loses no log: at worst a log is both in the pack
/// and still a plain file (`finishKilled` removes those next time), or in the pack but not yet
/// indexed (readers scan the pack past the index).
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

    /// Moves the plain log at `logPath` into the pack (or drops it when empty), stamped with the time
    /// it was last written; the file goes when the pack is closed, or at once with `removeNow` (an
    /// earlier attempt's log, about to be written again). A log that cannot be packed stays.
    public func take(step: String, logPath: String, removeNow: Bool = false) {
        let source = open(logPath, O_RDONLY | O_CLOEXEC)
        guard source >= 0 else { return }
        defer { Foundation.close(source) }
        var info = stat()
        guard fstat(source, &info) == 0 else { return }
        var done = info.st_size == 0
        if !done, !broken {
            var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
            let read = bytes.withUnsafeMutableBytes { pread(source, $0.baseAddress, $0.count, 0) }
            let finishedAt = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
            done = read == bytes.count && append(step: step, bytes: bytes, finishedAt: finishedAt)
        }
        guard done else { return }
        if removeNow { unlink(logPath) } else { packed.append(logPath) }
    }

    /// Packed logs, removed when the pack is closed: unlinking each as it is packed, between the
    /// creation of the next steps' logs, made ext4 search its recently deleted inodes at every create
    /// (a 5,000-step build 40 % slower), and on a parallel filesystem it interleaves two metadata
    /// operations per step. Until then a log is both packed and a plain file; never neither.
    private var packed: [String] = []

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

    /// Closes the pack and removes the logs it took.
    public func close() {
        packed.forEach { unlink($0) }
        packed.removeAll()
        if index >= 0 { _ = writeAll(index, Array("closed\n".utf8)) }
        if pack >= 0 { Foundation.close(pack) }
        if index >= 0 { Foundation.close(index) }
        pack = -1
        index = -1
    }

    /// A pack whose writer was killed before closing it: the plain logs it took that are still there,
    /// unchanged since (same size and time), are removed, and the index marked closed. `plainPath`
    /// gives a step's plain log (nil: not known here, left alone).
    /// Returns false when there was nothing to finish (the pack was closed).
    @discardableResult
    public static func finishKilled(folder: String, name: String, plainPath: (String) -> String?) -> Bool {
        let indexPath = "\(folder)/\(name).index"
        guard !isClosed(indexPath) else { return false }
        for (step, log) in StepLogs.entries(pack: "\(folder)/\(name).pack", index: indexPath) {
            guard let path = plainPath(step) else { continue }
            var info = stat()
            guard stat(path, &info) == 0, Int(info.st_size) == log.length else { continue }
            let mtime = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
            if abs(mtime - log.finishedAt) < 0.002 { unlink(path) }
        }
        let fd = open(indexPath, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { return true }
        _ = write(fd, "closed\n", 7)
        Foundation.close(fd)
        return true
    }

    /// Whether an index ends with `closed` (or is empty or missing: nothing to finish). Reads its last bytes only.
    static func isClosed(_ indexPath: String) -> Bool {
        let fd = open(indexPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return true }
        defer { Foundation.close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_size > 0 else { return true }
        var tail = [UInt8](repeating: 0, count: 7)
        let n = tail.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 7, off_t(max(0, Int64(info.st_size) - 7))) }
        return n == 7 && tail == Array("closed\n".utf8)
    }

    /// The names of the packs in `folder` (without `.pack`) that start with `prefix`.
    public static func packs(in folder: String, prefix: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasPrefix(prefix) && $0.hasSuffix(".index") }.map { String($0.dropLast(6)) }
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

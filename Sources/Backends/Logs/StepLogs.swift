import Foundation
import Basics

/// One log of one step: a plain file, or an entry of a pack (`LogPackWriter`).
public struct StepLog: Equatable, Sendable {
    /// The plain log file, or the pack holding it.
    public var path: String
    /// nil for a plain file; else where the log's bytes start in the pack.
    public var offset: Int64?
    public var length: Int
    public var finishedAt: Double
    public var isPlain: Bool { offset == nil }

    public func text() -> String? { bytes().map { String(decoding: $0, as: UTF8.self) } }

    public func bytes() -> [UInt8]? {
        guard let offset else { return readFileBytes(path) }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: length)
        let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(offset)) }
        return n == length ? bytes : nil
    }
}

/// Finds a step's logs wherever they live: its plain file and every pack in `logs/packs`.
public enum StepLogs {
    public static func packsFolder(logsDirectory: String) -> String { logsDirectory + "/packs" }

    /// Every log of `step`, oldest first. `plainPath` is where a running or failed step's log is.
    public static func all(step: String, plainPath: String, packsFolder: String) -> [StepLog] {
        var found: [StepLog] = []
        let names = (try? FileManager.default.contentsOfDirectory(atPath: packsFolder)) ?? []
        for name in names where name.hasSuffix(".pack") {
            let pack = packsFolder + "/" + name
            found += entries(of: step, pack: pack, index: String(pack.dropLast(5)) + ".index")
        }
        var info = stat()
        if stat(plainPath, &info) == 0 {
            let mtime = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
            found.append(StepLog(path: plainPath, offset: nil, length: Int(info.st_size), finishedAt: mtime))
        }
        return found.sorted { $0.finishedAt < $1.finishedAt }
    }

    /// The latest log of `step`, or nil when it has none.
    public static func latest(step: String, plainPath: String, packsFolder: String) -> StepLog? {
        all(step: step, plainPath: plainPath, packsFolder: packsFolder).last
    }

    /// The step's entries in one pack.
    static func entries(of step: String, pack: String, index: String) -> [StepLog] {
        entries(pack: pack, index: index).filter { $0.step == step }.map(\.log)
    }

    /// Every entry of one pack: from its index, and from the pack itself past the last indexed entry
    /// (dbuild stopped between writing a log and its index line).
    public static func entries(pack: String, index: String) -> [(step: String, log: StepLog)] {
        var found: [(String, StepLog)] = []
        var indexedEnd: Int64 = 0
        let text = FileManager.default.contents(atPath: index) ?? Data()
        for line in text.split(separator: 10, omittingEmptySubsequences: true) {
            guard let entry = parse(Array(line)) else { continue }
            indexedEnd = max(indexedEnd, entry.offset + Int64(entry.length) + 1)
            found.append((entry.step, StepLog(path: pack, offset: entry.offset, length: entry.length, finishedAt: entry.finished)))
        }
        for entry in scanPack(pack, from: indexedEnd) {
            found.append((entry.step, StepLog(path: pack, offset: entry.offset, length: entry.length, finishedAt: entry.finished)))
        }
        return found
    }

    /// `<offset> <bytes> <finished> <step>`: an index line.
    private static func parse(_ line: [UInt8]) -> (offset: Int64, length: Int, finished: Double, step: String)? {
        let fields = line.split(separator: 32, maxSplits: 3, omittingEmptySubsequences: false)
        guard fields.count == 4, let offset = Int64(String(decoding: fields[0], as: UTF8.self)),
              let length = Int(String(decoding: fields[1], as: UTF8.self)),
              let finished = Double(String(decoding: fields[2], as: UTF8.self)) else { return nil }
        return (offset, length, finished, String(decoding: fields[3], as: UTF8.self))
    }

    /// The pack's entries from `start` on, by their headers; stops at a torn entry.
    static func scanPack(_ pack: String, from start: Int64) -> [(offset: Int64, length: Int, finished: Double, step: String)] {
        let fd = open(pack, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return [] }
        var found: [(Int64, Int, Double, String)] = []
        var at = start
        let magic = Array("dbuild-log ".utf8)
        while at < Int64(info.st_size) {
            var head = [UInt8](repeating: 0, count: 4096)
            let n = head.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(at)) }
            guard n > magic.count, Array(head[0..<magic.count]) == magic,
                  let newline = head[0..<n].firstIndex(of: 10),
                  let entry = parse(Array("\(at) ".utf8) + Array(head[magic.count..<newline])) else { break }
            let content = at + Int64(newline + 1)
            guard content + Int64(entry.length) + 1 <= Int64(info.st_size) else { break }      // torn: written when killed
            found.append((content, entry.length, entry.finished, entry.step))
            at = content + Int64(entry.length) + 1
        }
        return found
    }
}

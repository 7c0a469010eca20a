import Foundation
import Basics

/// `results/<array>.<task>.jsonl`: everything one array task reports, in one append-only file
/// instead of one file per step (parallel filesystems count files). One JSON line per event, each
/// appended with a single write and the file closed (flushed) before the next step:
/// `{"position":N,"started":{…}}` just before a step's recipe starts (what its outputs were), and
/// `{"position":N,"result":{…}}` when it has ended. A requeued task appends to the same file; for
/// each position the latest line counts. A task killed mid-write leaves an incomplete last line:
/// every earlier line stays readable, and the torn one still names its position.
public enum TaskResultFile {
    public static func relativePath(array: Int, task: Int) -> String { "results/\(array).\(task).jsonl" }

    public static func path(_ submission: String, array: Int, task: Int) -> String {
        submission + "/" + relativePath(array: array, task: task)
    }

    /// Where one step's result is, as manifests and the tracker name it: `<task file>#<position>`.
    public static func locator(_ taskFile: String, position: Int) -> String { "\(taskFile)#\(position)" }

    /// The task file and position of a locator; nil for a result file of the earlier one-per-step form.
    public static func split(_ locator: String) -> (file: String, position: Int)? {
        guard let hash = locator.lastIndex(of: "#"), let position = Int(locator[locator.index(after: hash)...]) else { return nil }
        return (String(locator[..<hash]), position)
    }

    struct Event: Codable {
        var position: Int
        var result: StepResult?
        var started: StartMarker?
    }

    public static func appendStarted(_ marker: StartMarker, position: Int, to path: String) throws {
        try append(Event(position: position, result: nil, started: marker), to: path)
    }

    public static func appendResult(_ result: StepResult, position: Int, to path: String) throws {
        try append(Event(position: position, result: result, started: nil), to: path)
    }

    private static func append(_ event: Event, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys          // "position" first: a torn line still names it
        var line = Array(try encoder.encode(event)) + [10]
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SpawnError(description: "cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        // An earlier run of the task killed mid-line: the torn line is ended first, so this one stands alone.
        var info = stat()
        var last: UInt8 = 10
        if fstat(fd, &info) == 0, info.st_size > 0, pread(fd, &last, 1, off_t(info.st_size - 1)) == 1, last != 10 {
            line.insert(10, at: 0)
        }
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == line.count else {
            throw SpawnError(description: "cannot append to \(path): \(written < 0 ? String(cString: strerror(errno)) : "short write")")
        }
    }
}

/// What a task's result file says, read incrementally: `readMore` parses only the lines appended
/// since the last call.
public struct TaskResults: Sendable {
    /// Positions whose latest line is a result.
    public private(set) var results: [Int: StepResult] = [:]
    /// Positions whose latest line says the step started (no result after it).
    public private(set) var started: [Int: StartMarker] = [:]
    /// Positions whose latest line is damaged, and what is wrong.
    public private(set) var unreadable: [Int: String] = [:]
    /// The position an incomplete last line names (being written now, or torn when its task was killed).
    public private(set) var incompleteLine: Int?
    /// Bytes of whole lines read so far.
    public private(set) var consumed: Int64 = 0

    public init() {}

    public static func read(_ path: String) -> TaskResults {
        var results = TaskResults()
        results.readMore(path)
        return results
    }

    public mutating func readMore(_ path: String) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, Int64(info.st_size) > consumed else { return }
        var bytes = [UInt8](repeating: 0, count: Int(Int64(info.st_size) - consumed))
        let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(consumed)) }
        guard n > 0 else { return }
        bytes.removeLast(bytes.count - n)
        let decoder = JSONDecoder()
        var lineStart = 0
        incompleteLine = nil
        while lineStart < bytes.count {
            guard let end = bytes[lineStart...].firstIndex(of: 10) else {
                incompleteLine = Self.position(named: bytes[lineStart...])
                break
            }
            let line = bytes[lineStart..<end]
            lineStart = end + 1
            guard !line.isEmpty else { continue }
            if let event = try? decoder.decode(TaskResultFile.Event.self, from: Data(line)) {
                unreadable[event.position] = nil
                if let result = event.result {
                    results[event.position] = result
                    started[event.position] = nil
                } else if let marker = event.started {
                    started[event.position] = marker
                    results[event.position] = nil
                }
            } else if let position = Self.position(named: line) {
                unreadable[position] = "the result of step \(position) in \(path) cannot be read (a line of \(line.count) bytes, not a whole result)"
                results[position] = nil
            }
        }
        consumed += Int64(lineStart)
    }

    /// The N of a line beginning `{"position":N,` (whole or not).
    static func position(named line: ArraySlice<UInt8>) -> Int? {
        let prefix = Array("{\"position\":".utf8)
        guard line.count > prefix.count, Array(line.prefix(prefix.count)) == prefix else { return nil }
        let digits = line.dropFirst(prefix.count).prefix { $0 >= 48 && $0 <= 57 }
        guard !digits.isEmpty, line.count > prefix.count + digits.count else { return nil }   // the whole number was written
        return Int(String(decoding: digits, as: UTF8.self))
    }
}

import Foundation
import Basics

/// A local build's progress, published for `dbuild status` in other terminals: `.dbuild/progress.json`,
/// overwritten in place at every start and end of a step (`ProgressPublisher`), removed at the build's
/// end. Only believed while the process it names holds the project's lock.
public struct PublishedProgress: Codable, Equatable, Sendable {
    public var host: String
    public var pid: Int32
    public var total: Int
    public var done: Int
    public var running: Int
    public var failed: Int
    public var startedAt: Double
    /// Seconds of work left from earlier runs of the same rules, spread over the parallel slots (nil: unknown).
    public var etaSeconds: Double?
    public var updatedAt: Double

    public init(_ state: ProgressState, now: Double = Date().timeIntervalSince1970) {
        host = ProcessInfo.processInfo.environment["DBUILD_HOST"] ?? hostName()      // as the lock names it
        pid = getpid()
        total = state.total
        done = state.done
        running = state.running
        failed = state.failed
        startedAt = state.startedAt
        etaSeconds = state.remainingWork.map { $0 / Double(min(state.parallelism, max(1, state.total - state.done))) }
        updatedAt = now
    }

    public static func path(_ dotDbuild: String) -> String { dotDbuild + "/progress.json" }

    /// The record as one line of JSON, padded to a fixed size so that each write covers the last.
    var record: [UInt8] {
        var text = "{\"host\":\(jsonString(host)),\"pid\":\(pid),\"total\":\(total),\"done\":\(done),\"running\":\(running),"
            + "\"failed\":\(failed),\"startedAt\":\(startedAt),\"updatedAt\":\(updatedAt)"
        if let etaSeconds, etaSeconds.isFinite { text += ",\"etaSeconds\":\(etaSeconds)" }
        text += "}"
        return Array(text.utf8) + [UInt8](repeating: 32, count: max(0, PublishedProgress.recordSize - text.utf8.count - 1)) + [10]
    }

    static let recordSize = 512

    /// nil when there is none, or it is being rewritten this very moment (ask again).
    public static func read(_ dotDbuild: String) -> PublishedProgress? {
        FileManager.default.contents(atPath: path(dotDbuild)).flatMap { try? JSONDecoder().decode(PublishedProgress.self, from: $0) }
    }

    private func jsonString(_ s: String) -> String {
        String(data: (try? JSONEncoder().encode(s)) ?? Data("\"\"".utf8), encoding: .utf8) ?? "\"\""
    }
}

/// Writes `PublishedProgress` into one file kept open, in place: no file created or removed per
/// update (creating and removing files per step is what a parallel filesystem's metadata server and
/// ext4's inode allocator both pay for).
public final class ProgressPublisher {
    private let fd: Int32
    private let path: String

    public init(dotDbuild: String) {
        path = PublishedProgress.path(dotDbuild)
        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
    }

    public func publish(_ state: ProgressState) {
        guard fd >= 0 else { return }
        let record = PublishedProgress(state).record
        _ = record.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }

    /// The build has ended: nothing to show any more.
    public func remove() {
        if fd >= 0 { close(fd) }
        unlink(path)
    }
}

import Foundation
import Basics

/// Set when the user asks dbuild to stop (SIGINT, SIGTERM); wakes a backend waiting for its children.
public final class StopSignal: @unchecked Sendable {
    private let condition = NSCondition()
    private var stopRequested = false
    private var pending: [(pid: Int32, exit: ChildExit)] = []

    public init() {}

    public var isSet: Bool {
        condition.lock(); defer { condition.unlock() }
        return stopRequested
    }

    public func set() {
        condition.lock()
        stopRequested = true
        condition.broadcast()
        condition.unlock()
    }

    /// A child ended (called from its waiter thread).
    func post(pid: Int32, exit: ChildExit) {
        condition.lock()
        pending.append((pid, exit))
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until a child ends, a stop is requested, or `deadline`; returns the ended children.
    func waitForEvents(until deadline: Date?) -> [(pid: Int32, exit: ChildExit)] {
        condition.lock()
        defer { condition.unlock() }
        while pending.isEmpty && !stopRequested {
            if let deadline {
                if !condition.wait(until: deadline) { break }
            } else {
                condition.wait()
            }
        }
        defer { pending.removeAll() }
        return pending
    }

    /// Sleeps until `deadline` unless a stop comes first; true if it did.
    public func sleep(until deadline: Date) -> Bool {
        while !isSet && Date() < deadline { _ = waitForEvents(until: deadline) }
        return isSet
    }

    /// Installs handlers so SIGINT and SIGTERM set this signal instead of killing dbuild.
    public func installHandlers() {
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [weak self] in self?.set() }
            source.resume()
            StopSignal.sources.append(source)
        }
    }

    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []
}

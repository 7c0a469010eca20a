import Foundation
import Basics

/// Who holds a `HostLock`: read from the lock file.
public struct LockHolder: Equatable, Sendable {
    public var host: String
    public var pid: Int32
    /// The holder process's start time (clock ticks since boot, /proc/PID/stat): with the pid, it
    /// tells a live holder from a new process that reuses a dead one's pid.
    public var started: UInt64
    /// Unique per acquisition: a takeover checks it took the file it judged stale.
    public var token: String

    public var line: String { "\(host) \(pid) \(started) \(token)\n" }

    /// A holder that only ingests what SLURM finished (`status`, `report --watch`) and lets go within
    /// seconds: a build that meets it waits for it instead of refusing to start.
    public var isBrief: Bool { token.hasPrefix(Self.briefPrefix) }
    public static let briefPrefix = "brief-"

    public static func parse(_ text: String) -> LockHolder? {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard words.count == 4, let pid = Int32(words[1]), let started = UInt64(words[2]) else { return nil }
        return LockHolder(host: String(words[0]), pid: pid, started: started, token: String(words[3]))
    }
}

/// A lock that holds across machines sharing a filesystem: a file created exclusively (O_EXCL,
/// atomic on NFS v3+ and Lustre, where `flock` may be node-local), naming host, pid and a token,
/// whose mtime a heartbeat thread renews. A holder that died is recognised by its pid on the same
/// host, or elsewhere by a heartbeat older than `staleAfter` — by the file's age on this clock, or,
/// for clocks that disagree, by watching it not change for `staleAfter` while waiting. A takeover
/// renames the stale file away (one contender wins the rename) and checks it renamed the file it
/// judged; a holder whose heartbeat finds its token gone has lost the lock and is told so.
public final class HostLock: @unchecked Sendable {
    public let path: String
    public let host: String
    public let staleAfter: Double
    public let heartbeat: Double
    public private(set) var held: LockHolder?
    /// Called from the heartbeat thread when another process has taken the lock from this one.
    public var onLost: @Sendable (LockHolder?) -> Void = { _ in }
    private var beating = false

    public init(path: String, host: String = hostName(), staleAfter: Double = 120, heartbeat: Double = 15) {
        self.path = path
        self.host = host
        self.staleAfter = staleAfter
        self.heartbeat = heartbeat
    }


    /// A process's start time in clock ticks since boot (nil if /proc cannot tell).
    public static func startTime(of pid: Int32) -> UInt64? {
        guard let fields = statFields(pid), fields.count > 19 else { return nil }
        return UInt64(fields[19])          // field 22 of the whole line
    }

    /// /proc/PID/stat after the command name: state, ppid, …
    private static func statFields(_ pid: Int32) -> [Substring]? {
        guard let text = readFile("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else { return nil }
        return text[text.index(after: close)...].split(separator: " ")
    }

    /// Takes the lock if it is free or its holder is dead; otherwise returns the holder. `brief`:
    /// held only for a moment (see `LockHolder.isBrief`).
    public func tryAcquire(brief: Bool = false) throws -> LockHolder? {
        while true {
            let me = LockHolder(host: host, pid: getpid(), started: Self.startTime(of: getpid()) ?? 0,
                                token: (brief ? LockHolder.briefPrefix : "") + "\(UInt64.random(in: 1...UInt64.max))")
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd >= 0 {
                let line = me.line
                _ = line.withCString { write(fd, $0, strlen($0)) }
                fsync(fd)
                close(fd)
                held = me
                return nil
            }
            guard errno == EEXIST else {
                throw SpawnError(description: "cannot create the lock file \(path): \(String(cString: strerror(errno)))")
            }
            guard let (holder, age) = current() else { continue }      // gone (or half-written) meanwhile: try again
            if isDead(holder, age: age) {
                takeOver(holder)
                continue
            }
            return holder
        }
    }

    /// Waits until the lock is taken; `waiting` is told who holds it (once per holder).
    public func acquire(waiting: (LockHolder, Double) -> Void) throws {
        var watched: (holder: LockHolder, mtime: Int64, since: Double)?
        while true {
            guard let holder = try tryAcquire() else { return }
            let now = monotonicSeconds()
            if let (_, mtime) = statMtime(), let seen = watched, seen.holder == holder, seen.mtime == mtime {
                if now - seen.since > staleAfter {          // no heartbeat seen for staleAfter on our own clock
                    takeOver(holder)
                    watched = nil
                    continue
                }
            } else {
                if watched?.holder != holder { waiting(holder, current()?.age ?? 0) }
                watched = (holder, statMtime()?.1 ?? 0, now)
            }
            usleep(200_000)
        }
    }

    /// Renews the heartbeat every `heartbeat` seconds until released, on a thread of its own.
    public func startHeartbeat() {
        guard !beating else { return }
        beating = true
        let thread = Thread { [self] in
            while true {
                Thread.sleep(forTimeInterval: heartbeat)
                guard let mine = held else { return }
                guard let (holder, _) = current(), holder.token == mine.token else {
                    held = nil
                    onLost(current()?.holder)
                    return
                }
                utimensat(AT_FDCWD, path, nil, 0)
            }
        }
        thread.start()
    }

    /// Removes the lock file if it is still this holder's.
    public func release() {
        guard let mine = held else { return }
        held = nil
        if let (holder, _) = current(), holder.token == mine.token { unlink(path) }
    }

    /// The holder named in the file and the file's age in seconds on this machine's clock.
    public func current() -> (holder: LockHolder, age: Double)? {
        guard let text = readFile(path), let holder = LockHolder.parse(text), let (seconds, _) = statMtime() else { return nil }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return (holder, Double(now.tv_sec) - seconds)
    }

    /// The holder, if one holds the lock and is alive (its pid on this host, else a fresh heartbeat).
    public func liveHolder() -> LockHolder? {
        guard let (holder, age) = current(), !isDead(holder, age: age) else { return nil }
        return holder
    }

    private func isDead(_ holder: LockHolder, age: Double) -> Bool {
        if holder.host == host {
            if holder.pid == getpid() { return false }
            guard kill(holder.pid, 0) == 0 || errno == EPERM else { return true }
            if Self.statFields(holder.pid)?.first == "Z" { return true }          // killed, not yet reaped
            if let started = Self.startTime(of: holder.pid), holder.started != 0, started != holder.started { return true }
            return false
        }
        return age > staleAfter
    }

    /// Moves a stale holder's file aside; if the file moved turns out to be someone else's fresh
    /// lock (taken between our look and the rename), it is put back.
    private func takeOver(_ stale: LockHolder) {
        let aside = "\(path).stale.\(host).\(getpid())"
        guard rename(path, aside) == 0 else { return }
        if let text = readFile(aside), let moved = LockHolder.parse(text), moved.token != stale.token {
            _ = link(aside, path)          // fails if yet another contender holds it now: then the moved one lost it
        }
        unlink(aside)
    }

    private func statMtime() -> (Double, Int64)? {
        var s = stat()
        guard stat(path, &s) == 0 else { return nil }
        return (Double(s.st_mtim.tv_sec), Int64(s.st_mtim.tv_sec) * 1_000_000_000 + Int64(s.st_mtim.tv_nsec))
    }

    private func monotonicSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}

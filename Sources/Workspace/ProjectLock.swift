import Foundation
import Basics
import Backends

/// One writer per project, on every machine that shares the project folder. Two locks, both held
/// for the life of the process:
/// - `.dbuild/lock` with flock: the kernel releases it when dbuild dies, however it dies, so on one
///   machine a killed run never leaves a lock to clear by hand.
/// - `.dbuild/lock.host`, a `HostLock` (a file created exclusively, with a heartbeat): flock is
///   node-local on some parallel filesystems, and a continuation job on a compute node must never
///   write the state while a dbuild on the login node does.
/// Environment: DBUILD_LOCK_STALE_SECONDS (a holder on another machine without a heartbeat for this
/// long is dead; default 120), DBUILD_LOCK_HEARTBEAT_SECONDS (default 15), DBUILD_LOCK_FLOCK=0 (skip
/// flock, as on a filesystem where it is unreliable; the tests use it), DBUILD_HOST (the host name
/// written into the lock; for tests).
public enum ProjectLock {
    nonisolated(unsafe) private static var descriptor: Int32 = -1
    nonisolated(unsafe) private static var hostLock: HostLock?

    /// The dbuild holding the project's lock now, if one does and it is alive (for `status`); a
    /// brief holder (another `status` ingesting) only when asked for.
    public static func liveHolder(in dotDbuild: String, includingBrief: Bool = false) -> LockHolder? {
        hostLock(dotDbuild).liveHolder().flatMap { includingBrief || !$0.isBrief ? $0 : nil }
    }

    private static func hostLock(_ dotDbuild: String) -> HostLock {
        let environment = ProcessInfo.processInfo.environment
        return HostLock(path: dotDbuild + "/lock.host", host: environment["DBUILD_HOST"] ?? hostName(),
                        staleAfter: environment["DBUILD_LOCK_STALE_SECONDS"].flatMap(Double.init) ?? 120,
                        heartbeat: environment["DBUILD_LOCK_HEARTBEAT_SECONDS"].flatMap(Double.init) ?? 15)
    }

    public static func acquire(in dotDbuild: String, wait: Bool) throws {
        guard hostLock == nil else { return }          // held already (a build that evaluates its Datafile again)
        try FileManager.default.createDirectory(atPath: dotDbuild, withIntermediateDirectories: true)
        let environment = ProcessInfo.processInfo.environment
        let lock = hostLock(dotDbuild)
        if environment["DBUILD_LOCK_FLOCK"] != "0" { try takeFlock(dotDbuild + "/lock", wait: wait, hostLock: lock) }
        var holder: LockHolder?
        let briefDeadline = Date().addingTimeInterval(briefHolderPatience)
        repeat {
            do { holder = try lock.tryAcquire() } catch { throw DbuildFailure.setup("\(error)") }
            if holder?.isBrief == true { usleep(50_000) }
        } while holder?.isBrief == true && Date() < briefDeadline
        if let holder {
            guard wait else { throw busy(holder, lock) }
            try? lock.acquire { holder, age in
                FileHandle.standardError.write(Data(("dbuild: waiting for the dbuild with pid \(holder.pid) on \(holder.host) to finish "
                    + "in this project (its heartbeat is \(Int(age)) s old; a holder silent for \(Int(lock.staleAfter)) s is "
                    + "taken over)…\n").utf8))
            }
        }
        lock.onLost = { holder in
            FileHandle.standardError.write(Data(("dbuild: the project lock was taken over by "
                + (holder.map { "pid \($0.pid) on \($0.host)" } ?? "another dbuild")
                + " (this dbuild's heartbeat was not seen for \(Int(lock.staleAfter)) s); stopping without writing more state\n").utf8))
            _exit(75)
        }
        lock.startHeartbeat()
        hostLock = lock
        registerRelease()
    }

    /// Whether this process holds the project's lock now (for its life, or for a moment).
    public static var holds: Bool { hostLock != nil || briefLock != nil }

    /// Takes the lock for a moment if no one holds it — to ingest what SLURM finished — and says
    /// whether it did; `releaseBrief` gives it back. True without taking anything when this process
    /// holds it already. A build that starts meanwhile waits for a brief holder instead of refusing.
    public static func tryAcquireBriefly(in dotDbuild: String) -> Bool {
        if hostLock != nil || briefLock != nil { return true }
        guard (try? FileManager.default.createDirectory(atPath: dotDbuild, withIntermediateDirectories: true)) != nil else { return false }
        var fd: Int32 = -1
        if ProcessInfo.processInfo.environment["DBUILD_LOCK_FLOCK"] != "0" {
            fd = open(dotDbuild + "/lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { return false }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                close(fd)
                return false
            }
        }
        let lock = hostLock(dotDbuild)
        let holder: LockHolder?
        do { holder = try lock.tryAcquire(brief: true) } catch { holder = lock.current()?.holder }
        guard holder == nil, lock.held != nil else {
            if fd >= 0 { close(fd) }
            return false
        }
        lock.startHeartbeat()                      // an ingestion of a large campaign can take a while
        briefLock = lock
        briefDescriptor = fd
        registerRelease()
        return true
    }

    /// Gives back a lock taken by `tryAcquireBriefly` (nothing when this process holds it for life).
    public static func releaseBrief() {
        briefLock?.release()
        briefLock = nil
        if briefDescriptor >= 0 { close(briefDescriptor) }          // closing the descriptor drops the flock
        briefDescriptor = -1
    }

    /// How long a build waits for a brief holder (a `status` ingesting) before calling the project busy.
    public static let briefHolderPatience: Double = 60

    nonisolated(unsafe) private static var briefLock: HostLock?
    nonisolated(unsafe) private static var briefDescriptor: Int32 = -1
    nonisolated(unsafe) private static var releaseRegistered = false

    private static func registerRelease() {
        guard !releaseRegistered else { return }
        releaseRegistered = true
        atexit {
            ProjectLock.hostLock?.release()
            ProjectLock.briefLock?.release()
        }
    }

    /// flock, waiting out a brief holder (or one whose host lock is not written yet) before calling
    /// the project busy.
    private static func takeFlock(_ path: String, wait: Bool, hostLock: HostLock) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DbuildFailure.setup("cannot open \(path): \(String(cString: strerror(errno)))") }
        let started = Date()
        var locked = flock(fd, LOCK_EX | LOCK_NB) == 0
        while !locked {
            let holder = hostLock.liveHolder()
            let patience = holder == nil ? 2 : holder!.isBrief ? briefHolderPatience : 0
            guard Date().timeIntervalSince(started) < patience else { break }
            usleep(50_000)
            locked = flock(fd, LOCK_EX | LOCK_NB) == 0
        }
        if !locked {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
            guard wait else {
                close(fd)
                throw DbuildFailure.busy("another dbuild (pid \(holder)) is working in this project; wait for it to finish "
                    + "(or run with --wait-lock to wait here), or stop it (kill \(holder)) and run again")
            }
            FileHandle.standardError.write(Data("dbuild: waiting for the dbuild with pid \(holder) to finish in this project…\n".utf8))
            while flock(fd, LOCK_EX) != 0 {
                guard errno == EINTR else {
                    close(fd)
                    throw DbuildFailure.setup("cannot lock \(path): \(String(cString: strerror(errno)))")
                }
            }
        }
        ftruncate(fd, 0)
        let text = "\(getpid())\n"
        _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
        descriptor = fd
    }

    private static func busy(_ holder: LockHolder, _ lock: HostLock) -> DbuildFailure {
        let age = Int(lock.current()?.age ?? 0)
        return DbuildFailure.busy("another dbuild (pid \(holder.pid) on \(holder.host)) is working in this project "
            + "(heartbeat \(age) s ago); wait for it to finish (or run with --wait-lock to wait here), or stop it "
            + "(on \(holder.host): kill \(holder.pid)) and run again. A holder that died is taken over once its heartbeat "
            + "is \(Int(lock.staleAfter)) s old")
    }
}

import Foundation

/// One writer per project: `.dbuild/lock`, held with flock for the life of the process (the kernel
/// releases it if dbuild dies, so a killed run never leaves a stale lock behind).
enum ProjectLock {
    nonisolated(unsafe) private static var descriptor: Int32 = -1

    static func acquire(in dotDbuild: String) throws {
        try FileManager.default.createDirectory(atPath: dotDbuild, withIntermediateDirectories: true)
        let path = dotDbuild + "/lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DbuildFailure.setup("cannot open \(path)") }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
            close(fd)
            throw DbuildFailure.usage("another dbuild (pid \(holder)) is working in this project; wait for it to finish, "
                + "or stop it (kill \(holder)) and run again")
        }
        ftruncate(fd, 0)
        let text = "\(getpid())\n"
        _ = text.withCString { write(fd, $0, strlen($0)) }
        descriptor = fd
    }
}

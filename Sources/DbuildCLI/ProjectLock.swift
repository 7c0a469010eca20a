import Foundation

/// One writer per project: `.dbuild/lock`, held with flock for the life of the process. The kernel
/// releases it when dbuild dies, however it dies, so a killed run never leaves a lock to clear by
/// hand; the pid written into the file only names the holder in messages.
enum ProjectLock {
    nonisolated(unsafe) private static var descriptor: Int32 = -1

    static func acquire(in dotDbuild: String, wait: Bool) throws {
        try FileManager.default.createDirectory(atPath: dotDbuild, withIntermediateDirectories: true)
        let path = dotDbuild + "/lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DbuildFailure.setup("cannot open \(path): \(String(cString: strerror(errno)))") }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
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
}

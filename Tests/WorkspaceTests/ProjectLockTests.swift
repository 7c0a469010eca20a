import Foundation
import Testing
import Basics
@testable import Workspace

/// One writer per project: a build refuses a project another build holds, and waits out one held for
/// a moment by a look (`status` ingesting what SLURM finished) instead of refusing to start.
/// Real lock files in a temporary folder, held by another live process of this machine.
@Suite(.serialized) struct ProjectLockTests {
    /// A lock file naming a live process of this machine (a `sleep`) as its holder.
    static func holdLock(in dotDbuild: String, brief: Bool) throws -> pid_t {
        let pid = try ChildProcess.spawn(["/bin/sleep", "60"])
        let started = HostLock.startTime(of: pid) ?? 0
        try FileManager.default.createDirectory(atPath: dotDbuild, withIntermediateDirectories: true)
        try "\(hostName()) \(pid) \(started) \(brief ? "brief-" : "")12345\n".write(toFile: dotDbuild + "/lock.host", atomically: true, encoding: .utf8)
        return pid
    }

    static func folder() throws -> String {
        let path = NSTemporaryDirectory() + "/dbuild-lock-\(getpid())-\(UInt32.random(in: 0...UInt32.max))/.dbuild"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func aBuildRefusesAHolderAndWaitsOutABriefOne() throws {
        // Another build holds the project: refused at once, exit 4's failure, naming the holder.
        let held = try Self.folder()
        let builder = try Self.holdLock(in: held, brief: false)
        defer { kill(builder, SIGKILL); _ = ChildProcess.wait(builder) }
        let started = Date()
        #expect(throws: DbuildFailure.self) { try ProjectLock.acquire(in: held, wait: false) }
        #expect(Date().timeIntervalSince(started) < ProjectLock.briefHolderPatience / 2, "a build's holder is not waited for")
        #expect(!ProjectLock.tryAcquireBriefly(in: held), "a look does not take a held project")
        #expect(ProjectLock.liveHolder(in: held)?.pid == builder)

        // A look holds it for a moment: the build waits, then takes it.
        let looked = try Self.folder()
        let look = try Self.holdLock(in: looked, brief: true)
        defer { kill(look, SIGKILL); _ = ChildProcess.wait(look) }
        #expect(ProjectLock.liveHolder(in: looked) == nil, "status does not show a brief holder as a build")
        #expect(ProjectLock.liveHolder(in: looked, includingBrief: true)?.pid == look)
        let lookEnds = Date().addingTimeInterval(1)
        Thread.detachNewThread {
            Thread.sleep(until: lookEnds)
            unlink(looked + "/lock.host")                         // the look lets go
        }
        try ProjectLock.acquire(in: looked, wait: false)
        #expect(Date() >= lookEnds, "it waited for the look to let go")
        #expect(ProjectLock.holds)
        #expect(ProjectLock.tryAcquireBriefly(in: looked), "this process holds it already")
        #expect((try String(contentsOfFile: looked + "/lock.host", encoding: .utf8)).contains(" \(getpid()) "))
    }
}

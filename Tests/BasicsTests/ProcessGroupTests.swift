import Foundation
import Testing
import Basics

/// The one way dbuild stops a process: its whole group, asked first, killed after the grace period.
@Suite struct ProcessGroupTests {
    @Test func quickChildIsWaitedForAndItsExitStatusKept() throws {
        let pid = try ChildProcess.spawn(["/bin/sh", "-c", "exit 3"])
        #expect(ChildProcess.wait(pid, atMost: 30) == .exited(3))
    }

    @Test func childPastItsTimeIsStoppedWithEverythingItStarted() throws {
        let folder = NSTemporaryDirectory() + "/dbuild-pg-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // The shell ignores SIGTERM and starts a grandchild that writes its pid: only SIGKILL to the group ends both.
        let pid = try ChildProcess.spawn(["/bin/sh", "-c", "trap '' TERM; sleep 60 & echo $! > \(folder)/grandchild; wait"])
        let started = Date()
        #expect(ChildProcess.wait(pid, atMost: 0.5, grace: 0.3) == nil, "it ran past its time")
        #expect(Date().timeIntervalSince(started) < 10)
        let grandchild = try #require(Int32((try String(contentsOfFile: folder + "/grandchild", encoding: .utf8))
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        var gone = false
        for _ in 0..<100 where !gone {
            gone = kill(grandchild, 0) != 0 || (try? String(contentsOfFile: "/proc/\(grandchild)/stat", encoding: .utf8))?
                .split(separator: ")").last?.hasPrefix(" Z") == true
            if !gone { usleep(50_000) }
        }
        #expect(gone, "the grandchild was stopped with its group")
    }

    @Test func terminateWaitsUntilGoneAndReturnsEarlyWhenTheProgramLeavesOnSIGTERM() throws {
        let pid = try ChildProcess.spawn(["/bin/sleep", "60"])
        var exit: ChildExit?
        let started = Date()
        ProcessGroup.terminate([pid], grace: 20) {
            exit = ChildProcess.wait(pid, until: Date())
            return exit != nil
        }
        #expect(exit == .signaled(SIGTERM))
        #expect(Date().timeIntervalSince(started) < 10, "no SIGKILL was needed: the grace period was not waited out")
    }
}

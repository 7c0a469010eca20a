import Foundation
import Testing
import Targets

/// Issue 12: the project lock holds across machines when flock does not (Lustre `localflock`, some
/// NFS): two dbuilds that say they run on different hosts, with flock switched off, never write the
/// state at once; a dead holder's lock is taken over once its heartbeat is stale, a live one's never.
@Suite struct CrossHostLockTests {
    static let datafile = """
        import Rules
        Rule("Slow") { s in
            s.outputs = ["slow.txt"]
            s.recipe = "echo start >> starts.log; echo partial >> {output}; sleep 5; echo rest >> {output}; echo end >> starts.log"
        }
        """

    func on(_ host: String, stale: Int = 3) -> [String: String] {
        ["DBUILD_LOCK_FLOCK": "0", "DBUILD_HOST": host, "DBUILD_LOCK_STALE_SECONDS": "\(stale)", "DBUILD_LOCK_HEARTBEAT_SECONDS": "0.5"]
    }

    @Test func aDbuildOnAnotherHostIsRefusedWhileTheHolderLives() throws {
        let s = try Scenario("empty")
        try s.write("Datafile", Self.datafile)
        let first = try s.launch("all", environment: on("login1")) { s.exists("starts.log") }
        defer { first.waitUntilExit() }
        let second = try s.run(["all"], environment: on("node7"))
        #expect(second.status == 4, "busy: \(second.stdout)\(second.stderr)")
        #expect(second.stderr.contains("pid \(first.processIdentifier) on login1"), "\(second.stderr)")
        #expect(s.read(".dbuild/lock.host")?.hasPrefix("login1 \(first.processIdentifier) ") == true)
    }

    @Test func aLiveHolderKeepsTheLockPastTheStaleTimeThroughItsHeartbeat() throws {
        let s = try Scenario("empty")
        try s.write("Datafile", Self.datafile)
        let first = try s.launch("all", environment: on("login1", stale: 2)) { s.exists("starts.log") }
        let second = try s.run(["all", "--wait-lock"], environment: on("node7", stale: 2))
        first.waitUntilExit()
        #expect(first.terminationStatus == 0)
        #expect(second.status == 0, "\(second.stdout)\(second.stderr)")
        #expect(second.stderr.contains("waiting for the dbuild with pid \(first.processIdentifier) on login1"), "\(second.stderr)")
        #expect(second.stdout.contains("0 run, 1 up to date"), "it waited for the whole build: \(second.stdout)")
        #expect(s.read("starts.log") == "start\nend\n", "one run, never two at once")
        #expect(!s.exists(".dbuild/lock.host"), "released at exit")
    }

    @Test func aDeadHoldersLockOnAnotherHostIsTakenOverOnceItsHeartbeatIsStale() throws {
        let s = try Scenario("empty")
        try s.write("Datafile", Self.datafile)
        let first = try s.launch("all", environment: on("login1")) { s.exists("slow.txt") }
        kill(first.processIdentifier, SIGKILL)
        defer { first.waitUntilExit() }
        Waiting.until(10) { Waiting.isDead(first.processIdentifier) }
        #expect(s.read(".dbuild/lock.host")?.hasPrefix("login1 ") == true, "a killed holder leaves its lock file")
        let started = Date()
        let second = try s.run(["all", "--wait-lock"], environment: on("node7"))
        let waited = Date().timeIntervalSince(started)
        #expect(second.status == 0, "\(second.stdout)\(second.stderr)")
        #expect(waited >= 2.5, "it waited for the heartbeat to go stale (3 s), waited \(waited) s")
        #expect(waited < 60)
        #expect(s.read("slow.txt") == "partial\nrest\n", "the killed run's half-written output was remade once")
        #expect(try StateStore(path: s.path + "/.dbuild/state.db", readOnly: true).integrityCheck() == "ok")
    }

    @Test func aDeadHoldersLockOnThisHostIsTakenOverAtOnce() throws {
        let s = try Scenario("empty")
        try s.write("Datafile", Self.datafile)
        let first = try s.launch("all", environment: on("login1", stale: 600)) { s.exists("slow.txt") }
        kill(first.processIdentifier, SIGKILL)
        defer { first.waitUntilExit() }
        Waiting.until(10) { Waiting.isDead(first.processIdentifier) }
        let started = Date()
        let second = try s.run(["all"], environment: on("login1", stale: 600))
        #expect(second.status == 0, "\(second.stdout)\(second.stderr)")
        #expect(Date().timeIntervalSince(started) < 60, "its pid is gone: no stale wait")
        #expect(s.read("slow.txt") == "partial\nrest\n")
    }
}

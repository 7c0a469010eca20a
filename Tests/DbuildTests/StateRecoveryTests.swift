import Foundation
import Testing
import Targets

/// Issue 7, parts 3 and 4: two dbuilds on one project, and a lost or damaged `.dbuild/`.
@Suite struct StateRecoveryTests {
    static let datafile = """
        import Rules
        Rule("A", over: ["i": 0..<10]) { s in
            s.outputs = ["a/\\(s.i).txt"]
            s.recipe = "echo {name} >> starts.log; echo {i} > {output}"
        }
        Rule("B") { s in
            s.inputs = s.outputs(of: "A")
            s.outputs = ["b.txt"]
            s.recipe = "echo {name} >> starts.log; cat {inputs} > {output}"
        }
        """

    func builtProject() throws -> Scenario {
        let s = try Scenario("empty")
        try s.write("Datafile", Self.datafile)
        let build = try s.dbuild("all", "-q")
        #expect(build.status == 0, "\(build.stderr)")
        return s
    }

    func starts(_ s: Scenario) -> Int { (s.read("starts.log") ?? "").split(separator: "\n").count }

    @Test func lostDotDbuildIsRebuiltFromTheFilesWithoutRunningAnything() throws {
        let s = try builtProject()
        try s.remove(".dbuild")
        let verify = try s.dbuild("verify")
        #expect(verify.status == 0, "present products are complete, recorded or not: \(verify.stdout)")
        let adopt = try s.dbuild("adopt")
        #expect(adopt.stdout.contains("Adopted 11 steps"), "\(adopt.stdout)")
        let before = starts(s)
        #expect(try s.dbuild("all", "-n").stdout.hasPrefix("Nothing to do"))
        #expect(try s.dbuild("all").status == 0)
        #expect(starts(s) == before, "nothing ran again")
    }

    @Test(arguments: ["truncated", "garbage"])
    func damagedStateGivesExit5AndRepairRecordsTheProductsAgain(damage: String) throws {
        let s = try builtProject()
        let db = s.path + "/.dbuild/state.db"
        if damage == "truncated" {
            #expect(truncate(db, 2048) == 0)
        } else {
            try s.write(".dbuild/state.db", String(repeating: "garbage in the state file ", count: 400))
        }
        let before = try s.treeFingerprint()
        let build = try s.dbuild("all")
        #expect(build.status == 5, "\(build.stdout)\(build.stderr)")
        #expect(build.stderr.contains("dbuild state repair"), "\(build.stderr)")
        #expect(try s.treeFingerprint() == before, "a refused build changes nothing")
        #expect(try s.dbuild("state", "check").status == 5)

        let repair = try s.dbuild("state", "repair")
        #expect(repair.status == 0, "\(repair.stdout)\(repair.stderr)")
        #expect(repair.stdout.contains("recorded 11 steps"), "\(repair.stdout)")
        #expect(try s.dbuild("state", "check").status == 0)
        let aside = try FileManager.default.contentsOfDirectory(atPath: s.path + "/.dbuild").filter { $0.hasPrefix("state.db.broken-") }
        #expect(!aside.isEmpty, "the damaged file is kept aside")
        let runsBefore = starts(s)
        #expect(try s.dbuild("all").status == 0)
        #expect(starts(s) == runsBefore, "nothing ran again")
        #expect(try StateStore(path: db, readOnly: true).integrityCheck() == "ok")
    }

    @Test func repairOfAHealthyStateChangesNothing() throws {
        let s = try builtProject()
        let before = try s.treeFingerprint()
        let repair = try s.dbuild("state", "repair")
        #expect(repair.stdout.contains("nothing to repair"))
        #expect(try s.treeFingerprint() == before)
    }

    @Test func secondDbuildWithWaitLockWaitsForTheFirstThenFindsNothingToDo() throws {
        let s = try Scenario("empty")
        try s.write("Datafile", """
            import Rules
            Rule("Slow") { s in
                s.outputs = ["slow.txt"]
                s.recipe = "echo {name} >> starts.log; sleep 2; echo done > {output}"
            }
            """)
        let first = try s.launch("all") { s.exists("starts.log") }
        let second = try s.dbuild("all", "--wait-lock")
        first.waitUntilExit()
        #expect(first.terminationStatus == 0)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("waiting for the dbuild with pid \(first.processIdentifier)"), "\(second.stderr)")
        #expect(second.stdout.contains("0 run, 1 up to date"), "\(second.stdout)")
        #expect(starts(s) == 1)
        #expect(try StateStore(path: s.path + "/.dbuild/state.db", readOnly: true).integrityCheck() == "ok")
    }

    @Test func lockOfAKilledDbuildIsTakenOverAndItsRecipeStopped() throws {
        let s = try Scenario("empty")
        try s.write("Datafile", """
            import Rules
            Rule("Slow") { s in
                s.outputs = ["slow.txt"]
                s.recipe = "echo {name} >> starts.log; echo partial >> {output}; sleep 4; echo rest >> {output}"
            }
            """)
        let first = try s.launch("all") { s.exists("slow.txt") }
        kill(first.processIdentifier, SIGKILL)
        // Not `waitUntilExit()` yet: Foundation's wait for a killed child takes the child's orphaned
        // recipes down with it, and this test is about a run that left its recipe running.
        defer { first.waitUntilExit() }
        Waiting.until(10) { Waiting.isDead(first.processIdentifier) }
        #expect(s.read(".dbuild/lock")?.contains("\(first.processIdentifier)") == true)
        let started = Date()
        let second = try s.run(["all"], environment: [:])
        #expect(second.status == 0, "\(second.stdout)\(second.stderr)")
        #expect(second.stdout.contains("that a killed dbuild left running"), "\(second.stdout)")
        #expect(Date().timeIntervalSince(started) < 30)
        #expect(s.read("slow.txt") == "partial\nrest\n", "one whole run's output, not two interleaved")
        #expect(starts(s) == 2)
    }
}

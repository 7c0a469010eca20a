import Foundation
import Testing

/// Issue 7, part 7: a checkpointing rule keeps what a failed, killed or stopped attempt left, never
/// trusts it as a product, and tells the next attempt its number and how the previous one ended.
@Suite struct CheckpointingTests {
    /// Appends a line per attempt to its output; the first attempt then sleeps, to be killed or stopped.
    static let sleepsOnItsFirstAttempt = """
        import Rules
        Rule("Sim") { s in
            s.outputs = ["sim/state.txt"]
            s.recipe = "echo \\"attempt $DBUILD_ATTEMPT after [$DBUILD_PREVIOUS_EXIT]\\" >> {output}; [ $DBUILD_ATTEMPT -ge 2 ] || sleep 30"
        }
        .checkpointing()
        """

    @Test func failedAttemptsKeepTheirFilesAndTheRetryKnowsItsAttemptAndWhy() throws {
        let s = try Scenario("empty")
        try s.write("Datafile", """
            import Rules
            Rule("Sim") { s in
                s.outputs = ["sim/state.txt"]
                s.recipe = "echo \\"attempt $DBUILD_ATTEMPT after [$DBUILD_PREVIOUS_EXIT]\\" >> {output}; [ $DBUILD_ATTEMPT -ge 3 ] || exit 7"
            }
            .checkpointing()
            """)
        let first = try s.dbuild("all")
        #expect(first.status == 1)
        #expect(first.stdout.contains("its files are kept for the next attempt"), "\(first.stdout)")
        #expect(s.read("sim/state.txt") == "attempt 1 after []\n", "a failed attempt's files are kept")
        #expect(try s.dbuild("all", "-n").stdout.contains("Sim"), "kept files are not taken for a product")
        #expect(try s.dbuild("all").status == 1)
        let third = try s.dbuild("all")
        #expect(third.status == 0, "\(third.stdout)")
        #expect(s.read("sim/state.txt") == """
            attempt 1 after []
            attempt 2 after [failed (exit status 7)]
            attempt 3 after [failed (exit status 7)]

            """)
        #expect(try s.dbuild("all", "-n").stdout.hasPrefix("Nothing to do"))
    }

    @Test func attemptKilledWithDbuildResumesFromItsFiles() throws {
        let s = try Scenario("empty")
        try s.write("Datafile", Self.sleepsOnItsFirstAttempt)
        let first = try s.launch("all") { s.exists("sim/state.txt") }
        kill(first.processIdentifier, SIGKILL)
        defer { first.waitUntilExit() }     // after the resume: see StateRecoveryTests
        Waiting.until(10) { Waiting.isDead(first.processIdentifier) }
        let resumed = try s.dbuild("all")
        #expect(resumed.status == 0, "\(resumed.stdout)\(resumed.stderr)")
        #expect(s.read("sim/state.txt") == """
            attempt 1 after []
            attempt 2 after [interrupted: dbuild stopped while it ran]

            """)
    }

    @Test func stoppedAttemptKeepsItsFiles() throws {
        let s = try Scenario("empty")
        try s.write("Datafile", Self.sleepsOnItsFirstAttempt)
        let first = try s.launch("all") { s.exists("sim/state.txt") }
        first.interrupt()
        first.waitUntilExit()
        #expect(first.terminationStatus == 130)
        #expect(s.read("sim/state.txt") == "attempt 1 after []\n")
        #expect(try s.dbuild("all").status == 0)
        #expect(s.read("sim/state.txt")?.hasSuffix("attempt 2 after [stopped: dbuild was interrupted]\n") == true, "\(s.read("sim/state.txt") ?? "")")
    }
}

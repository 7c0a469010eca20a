import Foundation
import Testing

/// Issue 7, part 2: recipes that lie. Each is reported with its step and what it did, its outputs are
/// not trusted (removed, or remade next run), and with -k the honest steps all finish.
@Suite struct LyingRecipeTests {
    static let datafile = """
        import Rules
        Rule("Honest", over: ["i": 0..<4]) { s in
            s.outputs = ["honest/\\(s.i).txt"]
            s.recipe = "echo {i} > {output}"
        }
        Rule("SaysDoneWritesNothing") { s in
            s.outputs = ["silent.txt"]
            s.recipe = "exit 0"
        }
        Rule("WritesThenFails") { s in
            s.outputs = ["half.txt"]
            s.recipe = "echo half > {output}; exit 3"
        }
        Rule("KilledBySignal") { s in
            s.outputs = ["killed.txt"]
            s.recipe = "echo start > {output}; kill -9 $$"
        }
        Rule("Hangs") { s in
            s.outputs = ["hang.txt"]
            s.recipe = "echo start > {output}; sleep 600"
        }
        .resources(time: "3s")
        Rule("WritesOutside") { s in
            s.inputs = ["honest/0.txt"]
            s.outputs = ["outside.txt"]
            s.recipe = "echo mine > {output}; echo clobbered > honest/3.txt"
        }
        """

    @Test func eachLieIsReportedItsOutputsAreNotTrustedAndTheRestFinishes() throws {
        let s = try Scenario("empty")
        try s.write("Datafile", Self.datafile)
        // Honest/3 is built first, so that WritesOutside overwrites a finished product.
        #expect(try s.dbuild("Honest", "-q").status == 0)
        let started = Date()
        let build = try s.dbuild("all", "-k")
        let output = build.stdout + build.stderr
        #expect(build.status == 1, "\(output)")
        #expect(Date().timeIntervalSince(started) < 60, "the hanging recipe is stopped at its time limit")
        #expect(output.contains("FAILED: SaysDoneWritesNothing exited 0 but did not write its output: silent.txt"), "\(output)")
        #expect(output.contains("FAILED: WritesThenFails failed (exit status 3)"), "\(output)")
        #expect(output.contains("FAILED: KilledBySignal failed (killed by signal 9"), "\(output)")
        #expect(output.contains("FAILED: Hangs ran past its time limit of 3 s and was stopped"), "\(output)")
        #expect(output.contains("honest/3.txt changed during this build, but its step Honest/3 did not run"), "\(output)")
        for untrusted in ["silent.txt", "half.txt", "killed.txt", "hang.txt"] {
            #expect(!s.exists(untrusted), "\(untrusted) is removed")
        }
        #expect(s.read("outside.txt") == "mine\n", "the honest part of WritesOutside stands")
        // The overwritten product is not trusted: the next run remakes it.
        let next = try s.dbuild("Honest/3")
        #expect(next.stdout.contains("[1/1] Honest/3"), "\(next.stdout)")
        #expect(s.read("honest/3.txt") == "3\n")
        let status = try s.dbuild("status")
        #expect(status.stdout.contains("SaysDoneWritesNothing") && status.stdout.contains("failed"), "\(status.stdout)")
    }
}

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

extension LyingRecipeTests {
    /// The post-build re-check runs on two threads above 4,096 paths: from a built project of 5,000
    /// products, a recipe that overwrites one product in each half of the path table is caught in
    /// both halves; exactly those two steps are remade next run, and every other product keeps its
    /// bytes and mtime.
    @Test func overwritesInBothHalvesOfABigProjectAreCaughtAndNothingElseIsTouched() throws {
        let s = try Scenario("empty")
        let grid = """
            import Rules
            Rule("early", over: ["i": 0..<2500], outputs: ["early/{i}.txt"], recipe: "echo {i} > {output}")
            Rule("late", over: ["i": 0..<2500], outputs: ["late/{i}.txt"], recipe: "echo {i} > {output}")

            """
        try s.write("Datafile", grid)
        #expect(try s.dbuild("all", "-q", "-j", "2").status == 0)
        try s.write("Datafile", grid + """
            Rule("clobber") { s in
                s.inputs = ["early/0.txt"]
                s.outputs = ["clobber.txt"]
                s.recipe = "echo x > {output} && echo wrong > early/1.txt && echo wrong > late/2499.txt"
            }
            """)
        func products() throws -> [String: String] {
            try s.treeFingerprint().filter { $0.key.hasPrefix("early/") || $0.key.hasPrefix("late/") }
        }
        let before = try products()
        #expect(before.count == 5_000)
        let build = try s.dbuild("all")
        #expect(build.stdout.contains("early/1.txt changed during this build, but its step early/1 did not run"), "\(build.stdout)")
        #expect(build.stdout.contains("late/2499.txt changed during this build, but its step late/2499 did not run"), "\(build.stdout)")
        #expect(build.stdout.contains("2 overwritten by another recipe"), "\(build.stdout)")
        let after = try products()
        #expect(after.filter { before[$0.key] != $0.value }.keys.sorted() == ["early/1.txt", "late/2499.txt"])
        let next = try s.dbuild("all")
        #expect(Scenario.stepsRun(next) == ["early/1", "late/2499"], "\(next.stdout)")
        #expect(s.read("early/1.txt") == "1\n" && s.read("late/2499.txt") == "2499\n")
        let final = try products()
        #expect(final.filter { before[$0.key] != $0.value }.keys.sorted() == ["early/1.txt", "late/2499.txt"],
                "the other 4,998 products: same bytes, same mtime")
    }
}

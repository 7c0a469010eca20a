import Foundation
import Testing
import Backends

/// Issue 16, an inode budget: dbuild adds a handful of files per build, not one or two per step.
/// Succeeded steps' logs are packed (empty ones dropped), failed ones stay plain files, and every
/// log stays reachable with `dbuild log`, also after dbuild is killed mid-build.
@Suite(.serialized) struct InodeBudgetTests {
    /// 4,990 steps that print a line, 9 that print nothing, one that fails.
    static let datafile = """
        import Rules
        Rule("gen", over: ["i": 0..<4990], outputs: ["out/g{i}.txt"], recipe: "echo made {i} > {output}; echo log of {i}")
        Rule("quiet", over: ["i": 0..<9], outputs: ["out/q{i}.txt"], recipe: "echo {i} > {output}")
        Rule("bad") { s in
            s.outputs = ["out/bad.txt"]
            s.recipe = "echo bad is about to fail; exit 3"
        }
        """

    /// Every file and folder in the project that is not a product, the Datafile or its tool.
    static func filesAddedByDbuild(_ s: Scenario) throws -> [String] {
        try FileManager.default.subpathsOfDirectory(atPath: s.path).filter { path in
            !(path == "out" || path.hasPrefix("out/") || path == "Datafile" || path == ".keep")
        }
    }

    @Test func aFiveThousandStepBuildAddsAtMostFiftyFilesAndEveryLogIsReadable() throws {
        let s = try Scenario("empty")
        try s.write("Datafile", Self.datafile)
        let build = try s.dbuild("all", "-k", "-q", "-j", "2")
        #expect(build.status == 1, "one step fails: \(build.stdout.suffix(2000))\(build.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: s.path + "/out").count == 4999)
        let added = try Self.filesAddedByDbuild(s)
        print("inode budget: a 5,000-step local build added \(added.count) files and folders besides its products: \(added.sorted())")
        #expect(added.count <= 50, "\(added.sorted())")
        #expect(build.stdout.contains("log: logs/bad/bad.log"), "\(build.stdout.suffix(1000))")
        // The failed step's log is a plain file, where the failure message says.
        #expect(s.read("logs/bad/bad.log") == "bad is about to fail\n")
        #expect(!s.exists("logs/gen"), "every gen log was packed, and its folder removed")
        for i in [0, 1, 777, 2500, 4989] {
            let log = try s.dbuild("log", "gen/\(i)")
            #expect(log.status == 0 && log.stdout == "log of \(i)\n", "\(log.stdout)\(log.stderr)")
        }
        let failed = try s.dbuild("log", "bad")
        #expect(failed.stdout == "bad is about to fail\n")
        let quiet = try s.dbuild("log", "quiet/3")
        #expect(quiet.status == 0 && quiet.stdout.contains("no log of quiet/3") && quiet.stdout.contains("printed nothing"), "\(quiet.stdout)")
        let status = try s.dbuild("status")
        #expect(status.stdout.contains("dbuild's own files: \(added.count) "), "the count matches the tree: \(status.stdout)")
        #expect(status.stdout.contains("(dbuild log bad)"), "\(status.stdout)")

        // The failure fixed and rebuilt: its plain log is packed too, and --all shows both attempts.
        try s.write("Datafile", Self.datafile.replacingOccurrences(of: "echo bad is about to fail; exit 3",
                                                                    with: "echo bad works now; echo ok > {output}"))
        let fixed = try s.dbuild("all", "-q")
        #expect(fixed.status == 0, "\(fixed.stdout)\(fixed.stderr)")
        #expect(!s.exists("logs/bad"), "the plain log was packed")
        #expect(try s.dbuild("log", "bad").stdout == "bad works now\n")
        let both = try s.dbuild("log", "bad", "--all").stdout
        #expect(both.contains("bad is about to fail") && both.contains("bad works now")
                && both.range(of: "about to fail")!.lowerBound < both.range(of: "works now")!.lowerBound, "oldest first: \(both)")
        #expect(both.contains("== bad: failed ") && both.contains("== bad: succeeded "), "each labelled with how its run ended: \(both)")
        #expect(try Self.filesAddedByDbuild(s).count <= added.count + 2, "the second build added one pack and its index")

        // state gc merges the packs into one archive that keeps each step's latest log.
        let gc = try s.dbuild("state", "gc")
        #expect(gc.status == 0 && gc.stdout.contains("merged 2 log packs into one"), "\(gc.stdout)\(gc.stderr)")
        let packs = try FileManager.default.contentsOfDirectory(atPath: s.path + "/logs/packs")
        #expect(packs.count == 2 && packs.allSatisfy { $0.hasPrefix("archive-") }, "\(packs)")
        for i in [0, 4989] { #expect(try s.dbuild("log", "gen/\(i)").stdout == "log of \(i)\n") }
        #expect(try s.dbuild("log", "bad", "--all").stdout.hasSuffix("bad works now\n"))
    }

    /// `tail -f` on a running step's log shows its lines while it runs.
    @Test func aRunningStepsLogCanBeFollowed() throws {
        let s = try Scenario("empty")
        try s.write("Datafile", """
            import Rules
            Rule("slow") { s in
                s.outputs = ["slow.txt"]
                s.recipe = "for i in 1 2 3 4 5 6; do echo tick $i; sleep 0.5; done; touch {output}"
            }
            """)
        let build = try s.launch("all") { s.exists("logs/slow/slow.log") }
        let tail = Process()
        tail.executableURL = URL(fileURLWithPath: "/usr/bin/tail")
        tail.arguments = ["-n", "+1", "-f", s.path + "/logs/slow/slow.log"]
        let pipe = Pipe()
        tail.standardOutput = pipe
        try tail.run()
        var seen = ""
        let deadline = Date().addingTimeInterval(10)
        while !seen.contains("tick 2") && Date() < deadline {
            let data = pipe.fileHandleForReading.availableData
            seen += String(decoding: data, as: UTF8.self)
        }
        let stillRunning = build.isRunning && !s.exists("slow.txt")
        tail.terminate()
        build.waitUntilExit()
        #expect(seen.contains("tick 1\ntick 2"), "\(seen)")
        #expect(stillRunning, "the lines arrived while the step was running")
        #expect(build.terminationStatus == 0)
        #expect(try s.dbuild("log", "slow").stdout == "tick 1\ntick 2\ntick 3\ntick 4\ntick 5\ntick 6\n", "packed once it succeeded")
    }

    /// dbuild killed with SIGKILL mid-build: every step that finished has its log (in a pack or as a
    /// plain file), the pack is readable, and the next build carries on and finishes.
    @Test func killedMidBuildLosesNoFinishedStepsLog() throws {
        let s = try Scenario("empty")
        try s.write("Datafile", """
            import Rules
            Rule("gen", over: ["i": 0..<400], outputs: ["out/g{i}.txt"], recipe: "echo log of {i}; sleep 0.02; echo made {i} > {output}")
            """)
        let build = try s.launch("all", "-j", "2") {
            ((try? FileManager.default.contentsOfDirectory(atPath: s.path + "/out"))?.count ?? 0) >= 150
        }
        kill(build.processIdentifier, SIGKILL)
        build.waitUntilExit()
        let made = try FileManager.default.contentsOfDirectory(atPath: s.path + "/out").filter { $0.hasSuffix(".txt") }
        #expect(made.count >= 150 && made.count < 400, "killed mid-build: \(made.count) made")
        let packs = StepLogs.packsFolder(logsDirectory: s.path + "/logs")
        var missing: [String] = []
        for file in made {
            let i = file.dropFirst().dropLast(4)
            let log = StepLogs.latest(step: "gen/\(i)", plainPath: s.path + "/logs/gen/\(i).log", packsFolder: packs)
            // A step killed just after its recipe wrote the product may not have printed yet: then
            // its plain log is still there (it is remade next run). None may be lost.
            if log?.text() != "log of \(i)\n" { missing.append("gen/\(i)") }
        }
        #expect(missing.isEmpty, "finished steps without their log: \(missing.prefix(10))")
        let next = try s.dbuild("all", "-q")
        #expect(next.status == 0, "\(next.stdout)\(next.stderr)")
        for i in [0, 199, 399] { #expect(try s.dbuild("log", "gen/\(i)").stdout == "log of \(i)\n") }
        #expect(!s.exists("logs/gen"), "every log packed after the build that finished")
    }

    /// dbuild killed after recording a step's success but before packing its log: the step is up to
    /// date and never runs again to pack it. The next build that runs anything finds the killed
    /// build's unclosed pack and packs that log too; nothing stays plain.
    @Test func aLogLeftPlainByAKillBetweenRecordAndPackIsPackedNextTime() throws {
        let s = try Scenario("empty")
        try s.write("Datafile", """
            import Rules
            Rule("gen", over: ["i": 0..<6], outputs: ["out/g{i}.txt"], recipe: "echo log of {i}; echo made {i} > {output}")
            """)
        #expect(try s.dbuild("all", "-q").status == 0)
        #expect(!s.exists("logs/gen"))
        // What the kill leaves: gen/3's log plain (recorded, not packed) and the killed build's pack unclosed.
        try s.write("logs/gen/3.log", "log of 3 (the killed build's)\n")
        let killed = LogPackWriter(folder: s.path + "/logs/packs", name: "build-1")
        try s.write("elsewhere.log", "log of 0\n")
        killed.take(step: "gen/0", logPath: s.path + "/elsewhere.log")
        try s.remove("out/g5.txt")                                          // something to run
        let next = try s.dbuild("all", "-q")
        #expect(next.status == 0, "\(next.stderr)")
        #expect(!s.exists("logs/gen/3.log") && !s.exists("logs/gen"), "the leftover log was packed and its folder removed")
        #expect(try s.dbuild("log", "gen/3").stdout == "log of 3 (the killed build's)\n")
        #expect(try s.dbuild("log", "gen/5").stdout == "log of 5\n")
    }
}

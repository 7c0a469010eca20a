import Foundation
import Testing

/// Issue 13: flags as make users type them — `-j2`, grouped `-kj4` and `-nB` — and `-q` on every
/// command that prints.
@Suite struct MakeStyleFlagsTests {
    @Test func aJobCountJoinedToItsFlagAndGroupedFlagsWorkAsInMake() throws {
        let s = try Scenario("failing-step")
        let grouped = try s.dbuild("all", "-kj2")
        #expect(grouped.status == 1, "the failing step fails: \(grouped.stdout)\(grouped.stderr)")
        #expect(grouped.stdout.contains("6 run") && grouped.stdout.contains("1 failed, 1 blocked"), "-k kept going: \(grouped.stdout)")
        let plan = try s.dbuild("all", "-nB")
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stdout.contains("forced (-B)"), "-n and -B together: \(plan.stdout)")
        #expect(try s.dbuild("all", "-Bn").stdout == plan.stdout)
        let quiet = try s.dbuild("all", "-kqj2")
        #expect(quiet.status == 1 && !quiet.stdout.contains("[1/"), "quiet: \(quiet.stdout)")
        let joined = try s.dbuild("all", "-j2", "-k")
        #expect(joined.status == 1 && joined.stdout.contains("1 failed"), "\(joined.stdout)\(joined.stderr)")
        let unknown = try s.dbuild("all", "-kx")
        #expect(unknown.status == 2, "an unknown letter is still refused: \(unknown.stderr)")
    }

    @Test func everyCommandThatPrintsTakesQ() throws {
        let s = try Scenario("lensing-chain")
        #expect(try s.dbuild("all", "-q").status == 0)
        for command in [["verify", "-q"], ["status", "-q"], ["list", "-q"], ["why", "C/m1", "-q"], ["graph", "-q"], ["report", "-q"],
                        ["adopt", "-q"], ["cancel", "-q"], ["state", "check", "-q"]] {
            let result = try s.run(command, environment: [:])
            #expect(result.status == 0, "\(command): \(result.stdout)\(result.stderr)")
        }
        let verify = try s.dbuild("verify", "-q")
        #expect(verify.stdout == "Complete: every expectation holds.\n", "the verdict only: \(verify.stdout)")
        #expect(try s.dbuild("report", "-q").stdout.isEmpty)
        #expect(!(try s.dbuild("status", "-q").stdout.contains("Core-hours")))
    }
}

/// Issue 13: `dbuild init` writes a Datafile to start from, which builds; never over an existing one.
@Suite struct InitCommandTests {
    @Test func initWritesADatafileThatBuildsAndNeverOverwritesOne() throws {
        let s = try Scenario("empty")
        let written = try s.dbuild("init")
        #expect(written.status == 0, "\(written.stderr)")
        #expect(s.read("Datafile")?.contains("lines(of: \"targets.txt\")") == true)
        let build = try s.dbuild("all")
        #expect(build.status == 0 && build.stdout.contains("3 run"), "\(build.stdout)\(build.stderr)")
        #expect(s.read("summary.txt") == "measuring m31\nmeasuring m33\n")
        let before = s.read("Datafile")
        let again = try s.dbuild("init")
        #expect(again.status == 2 && again.stderr.contains("already exists"), "\(again.stderr)")
        #expect(s.read("Datafile") == before)
    }
}

/// Issue 13: editing a Datafile. Each evaluation writes `.dbuild/datafile/compile_commands.json` (what
/// sourcekit-lsp needs to resolve `import Rules`); that command type-checks the example Datafile,
/// kept as `Datafile.swift`, and fails on a broken one.
@Suite struct EditorSupportTests {
    @Test func theWrittenCompileCommandTypeChecksTheExampleDatafileAndFailsOnABrokenOne() throws {
        let s = try Scenario.examplePipeline()
        try FileManager.default.moveItem(atPath: s.path + "/Datafile", toPath: s.path + "/Datafile.swift")
        let plan = try s.dbuild("all", "-n")
        #expect(plan.status == 0, "Datafile.swift is found: \(plan.stderr)")
        let data = try #require(FileManager.default.contents(atPath: s.path + "/.dbuild/datafile/compile_commands.json"))
        let entries = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        let entry = try #require(entries.first)
        #expect(entry["file"] as? String == s.path + "/Datafile.swift")
        let arguments = try #require(entry["arguments"] as? [String])
        let good = try runTool(arguments[0], Array(arguments.dropFirst()) + ["-typecheck"])
        #expect(good.status == 0, "\(good.output)")
        let text = try #require(s.read("Datafile.swift"))
        try s.write("Datafile.swift", text.replacingOccurrences(of: "s.outputs = [data[\"fields", with: "s.outptus = [data[\"fields"))
        let broken = try runTool(arguments[0], Array(arguments.dropFirst()) + ["-typecheck"])
        #expect(broken.status != 0 && broken.output.contains("outptus"), "\(broken.output)")
    }

    @Test func initPointsSourceKitLSPAtTheCompileCommands() throws {
        let s = try Scenario("empty")
        #expect(try s.dbuild("init").status == 0)
        #expect(s.read(".sourcekit-lsp/config.json")?.contains("\".dbuild/datafile\"") == true)
    }
}

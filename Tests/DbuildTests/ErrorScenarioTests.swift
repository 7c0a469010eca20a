import Foundation
import Testing

/// Every bad input: a message naming the place and the fix, exit status 2, and no change to state or
/// products (the tree is fingerprinted before and after, with a finished build already in it).
@Suite struct ErrorScenarioTests {
    /// Runs `arguments` in a copy of `fixture` and checks the common promises; returns stderr.
    func expectRefusal(_ fixture: String, _ arguments: [String] = ["all"], prepare: (Scenario) throws -> Void = { _ in },
                       sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let s = try Scenario(fixture)
        try prepare(s)
        let before = try s.treeFingerprint()
        let result = try s.run(arguments)
        #expect(result.status == 2, "exit status for \(fixture) \(arguments): \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.hasPrefix("dbuild: error: ") || result.stderr.contains("Error:"), sourceLocation: sourceLocation)
        #expect(try s.treeFingerprint() == before, "nothing changed", sourceLocation: sourceLocation)
        return result.stderr
    }

    @Test func datafileThatDoesNotCompileIsShownAgainstItsOwnLines() throws {
        let message = try expectRefusal("error-compile")
        #expect(message.contains("Datafile:5:16: error:"), "\(message)")
        #expect(message.contains("cannot assign value of type 'Int' to type 'String'"))
        #expect(!message.contains("main.swift"))
    }

    @Test func cycleIsPrinted() throws {
        let message = try expectRefusal("error-cycle")
        #expect(message.contains("cycle: A (Datafile:3) → B (Datafile:9) → A;"), "\(message)")
    }

    @Test func twoStepsClaimingOneOutputAreNamed() throws {
        let message = try expectRefusal("error-duplicate-output")
        #expect(message.contains("two steps declare the output shared.txt: A at Datafile:3 (rule A) and B at Datafile:8 (rule B)"),
                "\(message)")
    }

    @Test func inputWithNoRuleAndNoFileIsNamed() throws {
        let message = try expectRefusal("error-missing-input")
        #expect(message.contains("Datafile:3 (rule A): step A needs raw/observations.h5, which does not exist and no rule makes it"),
                "\(message)")
    }

    @Test func malformedResourceNamesTheLineAndAnExample() throws {
        let message = try expectRefusal("error-bad-resource")
        #expect(message.contains("Datafile:7: error: rule A: memory \"lots\" is not a size; write e.g. \"512M\""), "\(message)")
    }

    @Test func unknownParameterInTheDatafileNamesTheKnownOnes() throws {
        let message = try expectRefusal("error-evaluation")
        #expect(message.contains("rule A has no parameter 'modle' (it has model)"), "\(message)")
    }

    @Test func unknownTargetSuggestsNearNames() throws {
        let message = try expectRefusal("lensing-chain", ["R/m3"]) { try $0.dbuild("all") }
        #expect(message.contains("no step, prefix or output is named 'R/m3'; did you mean 'R/m1' or 'R/m2'?"), "\(message)")
    }

    @Test func badOptionIsAUsageError() throws {
        let message = try expectRefusal("lensing-chain", ["all", "-j", "0"]) { try $0.dbuild("all") }
        #expect(message.contains("-j needs a positive number"))
    }

    @Test func missingDatafileSaysWhereItLooked() throws {
        let message = try expectRefusal("lensing-chain", ["all", "-f", "Elsewhere/Datafile"])
        #expect(message.contains("no Datafile at"), "\(message)")
    }

    @Test func secondDbuildInTheSameProjectIsRefusedNamingTheFirst() throws {
        let s = try Scenario("lensing-chain")
        try s.write("Datafile", """
            import Rules
            Rule("Slow") { s in
                s.outputs = ["slow.txt"]
                s.recipe = "sleep 20; touch {output}"
            }
            """)
        let first = try s.launch("all") { s.exists("logs/Slow/Slow.log") }
        defer { first.interrupt(); first.waitUntilExit() }
        let second = try s.dbuild("all")
        #expect(second.status == 4)
        #expect(second.stderr.contains("another dbuild (pid \(first.processIdentifier)) is working in this project"))
    }
}

@Suite struct HelpGoldenTests {
    @Test func rootHelp() throws {
        let s = try Scenario("lensing-chain")
        let help = try s.dbuild("--help")
        #expect(help.status == 0)
        try Scenario.expectGolden(help.stdout, "help.txt")
    }

    @Test func buildHelp() throws {
        let s = try Scenario("lensing-chain")
        try Scenario.expectGolden(try s.dbuild("build", "--help").stdout, "help-build.txt")
    }
}

@Suite struct DatafileCacheTests {
    @Test func unchangedDatafileIsNotCompiledAgain() throws {
        let s = try Scenario("lensing-chain")
        #expect(try s.dbuild("all").status == 0)
        // With no compiler to be found, only the cache can answer.
        let result = try s.run(["all", "-n"], environment: ["DBUILD_SWIFTC": "/nonexistent/swiftc"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("Nothing to do"))
        try s.editDatafile(replacing: "cat {inputs} > {output}", with: "cat {inputs} >{output}")
        let edited = try s.run(["all", "-n"], environment: ["DBUILD_SWIFTC": "/nonexistent/swiftc"])
        #expect(edited.status != 0, "an edited Datafile needs the compiler")
    }

    @Test func evaluationThatNeverEndsIsStoppedWithAMessage() throws {
        let s = try Scenario("lensing-chain")
        try s.write("Datafile", """
            import Rules
            var n = 0
            while true { n &+= 1 }
            """)
        let result = try s.run(["all"], environment: ["DBUILD_EVAL_TIMEOUT": "2"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("took longer than 2 s"))
    }
}

import Foundation
import Testing

/// Issue 15, lazy grids: a rule declared with path patterns travels to dbuild as its patterns and
/// grid and is expanded when the graph is decoded. It must be the very graph the closure form
/// gives — the same steps, paths, links to producers and consumers — so switching forms runs nothing.
@Suite struct PatternRuleTests {
    /// Every kind of link a pattern rule has: a shared input made by another rule, a tool, two
    /// outputs, a consumer of all its outputs, consumers of a prefix of its steps, and a literal path.
    static let header = """
        import Rules
        let models = ["a", "b", "c"]
        Rule("sim", over: ["model": models]) { s in
            s.inputs = ["models/\\(s.model).txt"]
            s.outputs = ["sims/\\(s.model)/snap.txt"]
            s.recipe = "cat {input} > {output}"
        }

        """
    static let closureForm = header + """
        Rule("mock", over: ["model": models, "r": 0..<4]) { s in
            s.inputs = ["sims/\\(s.model)/snap.txt"]
            s.tools = ["mock.sh"]
            s.outputs = ["mocks/\\(s.model)/r\\(s.r).txt", "mocks/\\(s.model)/r\\(s.r).log"]
            s.recipe = "sh {tool} {input} {r} {outputs}"
        }

        """ + footer
    static let patternForm = header + """
        Rule("mock", over: ["model": models, "r": 0..<4], inputs: ["sims/{model}/snap.txt"], tools: ["mock.sh"],
             outputs: ["mocks/{model}/r{r}.txt", "mocks/{model}/r{r}.log"], recipe: "sh {tool} {input} {r} {outputs}")

        """ + footer
    static let footer = """
        Rule("all_mocks") { s in
            s.inputs = s.outputs(of: "mock")
            s.outputs = ["summary.txt"]
            s.recipe = "cat {inputs} > {output}"
        }
        .staleness(.hash)
        Rule("per_model", over: ["model": models]) { s in
            s.inputs = s.outputs(of: "mock/\\(s.model)")
            s.outputs = ["per_model/\\(s.model).txt"]
            s.recipe = "cat {inputs} > {output}"
        }
        .staleness(.hash)
        Rule("one") { s in
            s.inputs = s.outputs(of: "mock/b/2") + ["mocks/c/r3.txt"]
            s.outputs = ["one.txt"]
            s.recipe = "cat {inputs} > {output}"
        }
        .staleness(.hash)
        """

    static func project(_ datafile: String) throws -> Scenario {
        let s = try Scenario("empty")
        try s.write("Datafile", datafile)
        try s.write("mock.sh", "cat \"$1\" > \"$3\"; echo \"$2\" >> \"$3\"; echo log > \"$4\"\n")
        for model in ["a", "b", "c"] { try s.write("models/\(model).txt", model + "\n") }
        return s
    }

    @Test func thePatternFormIsTheClosureFormsGraph() throws {
        let closure = try Self.project(Self.closureForm), pattern = try Self.project(Self.patternForm)
        let plans = try [closure, pattern].map { try $0.dbuild("all", "-n", "-v") }
        #expect(plans[0].status == 0 && plans[1].status == 0, "\(plans[0].stderr)\(plans[1].stderr)")
        #expect(plans[0].stdout.contains("20 of 20 selected steps would run"), "\(plans[0].stdout)")
        #expect(plans[0].stdout == plans[1].stdout)
        let graphs = try [closure, pattern].map { try $0.dbuild("graph", "--steps") }
        #expect(graphs[0].status == 0 && graphs[0].stdout.contains("all_mocks"), "\(graphs[0].stdout)\(graphs[0].stderr)")
        #expect(graphs[0].stdout == graphs[1].stdout, "the same steps and the same edges")
    }

    @Test func switchingABuiltProjectToThePatternFormRunsNothingAndTheLinksHold() throws {
        let s = try Self.project(Self.closureForm)
        let build = try s.dbuild("all")
        #expect(build.status == 0, "\(build.stdout)\(build.stderr)")
        #expect(s.read("one.txt") == "b\n2\nlog\nc\n3\n")
        func products() throws -> [String: String] {
            try s.treeFingerprint().filter { !$0.key.hasPrefix(".dbuild") && !$0.key.hasPrefix("logs") && $0.key != "Datafile" }
        }
        let before = try products()
        try s.write("Datafile", Self.patternForm)
        let again = try s.dbuild("all")
        #expect(again.stdout.contains("0 run, 20 up to date"), "\(again.stdout)\(again.stderr)")
        #expect(try products() == before, "every product byte-identical, with its mtime")
        // A mock product lost: that step runs; its bytes come back the same, so what reads it is cut off.
        try s.remove("mocks/c/r3.txt")
        let repair = try s.dbuild("all")
        #expect(Scenario.stepsRun(repair) == ["mock/c/3"], "\(repair.stdout)")
        // Model b's parameters change: its simulation and its four mocks, and (hash rules) what reads
        // them if they come out changed — nothing else.
        try s.touch("models/b.txt")
        let plan = try s.dbuild("all", "-n", "-v")
        for step in ["sim/b", "mock/b/0", "mock/b/1", "mock/b/2", "mock/b/3", "all_mocks", "per_model/b", "one"] {
            #expect(plan.stdout.contains("  \(step)  "), "\(step) is stale:\n\(plan.stdout)")
        }
        #expect(plan.stdout.contains("5 of 20 selected steps would run; 3 more only if what they read comes out changed"), "\(plan.stdout)")
        // The tool is an input of every mock step.
        try s.touch("mock.sh", secondsAhead: 4)
        #expect(try s.dbuild("all", "-n").stdout.contains("13 of 20 selected steps would run; 5 more only if"))
    }

    @Test func aPatternNamingNoParameterIsRefusedWithItsPlace() throws {
        let s = try Self.project("""
            import Rules
            Rule("mock", over: ["model": ["a"]], outputs: ["mocks/{modle}.txt"], recipe: "touch {output}")
            """)
        let result = try s.dbuild("all", "-n")
        #expect(result.status == 2)
        #expect(result.stderr.contains("Datafile:2"), "\(result.stderr)")
        #expect(result.stderr.contains("{modle}, which is not a parameter of the rule (it has model)"), "\(result.stderr)")
    }

    /// Paths that need normalizing, or outputs shared by several steps, go through the closure form's
    /// checks: the same messages, the same canonical paths.
    @Test func patternsThatNeedNormalizingOrCollideAreCheckedLikeTheClosureForm() throws {
        let normalized = try Self.project("""
            import Rules
            Rule("mock", over: ["r": 0..<2], outputs: ["./mocks//r{r}.txt"], recipe: "touch {output}")
            Rule("sum") { s in s.inputs = ["mocks/r1.txt"]; s.outputs = ["sum.txt"]; s.recipe = "touch {output}" }
            Rule("solo", inputs: ["mocks/r0.txt"], outputs: ["solo.txt"], recipe: "echo solo > {output}")
            """)
        let plan = try normalized.dbuild("graph", "--steps")
        #expect(plan.stdout.contains("mock/1") && plan.stdout.contains("sum"), "\(plan.stdout)\(plan.stderr)")
        #expect(try normalized.dbuild("all").status == 0)
        #expect(normalized.exists("mocks/r0.txt") && normalized.exists("mocks/r1.txt"))
        #expect(normalized.read("solo.txt") == "solo\n", "a pattern rule without parameters is one step")

        let colliding = try Self.project("""
            import Rules
            Rule("mock", over: ["r": 0..<3], outputs: ["mocks/all.txt"], recipe: "touch {output}")
            """)
        let refused = try colliding.dbuild("all", "-n")
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("two steps declare the output mocks/all.txt"), "\(refused.stderr)")
    }
}

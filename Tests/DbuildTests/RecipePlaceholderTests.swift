import Foundation
import Testing

/// Issue 13: recipe placeholders are checked at evaluation (the typos are in the bad-Datafile
/// corpus); what is not a placeholder keeps working, and `{{word}}` writes a literal `{word}`.
@Suite struct RecipePlaceholderTests {
    @Test func literalBracesShellAndAwkBracesPassTheCheckAndComeOutAsWritten() throws {
        let s = try Scenario("empty")
        try s.write("Datafile", """
            import Rules
            Rule("A", over: ["m": ["x", "y"]]) { s in
                s.outputs = ["a/\\(s.m).txt"]
                s.recipe = "echo {{m}} ${HOME:+home} {} {a,b} > {output}; echo {m} | awk '{print}' >> {output}"
            }
            """)
        let build = try s.dbuild("all", "-q")
        #expect(build.status == 0, "\(build.stdout)\(build.stderr)")
        #expect(s.read("a/x.txt") == "{m} home {} {a,b}\nx\n")
    }

    /// Issue 26: a tool at the project's top (`s.tools = ["work.sh"]`) is run as `./work.sh`, not
    /// looked up on PATH (exit 127); one in a folder, or a script given to an interpreter, as before.
    @Test func aToolAtTheProjectsTopIsRunnable() throws {
        let s = try Scenario("empty")
        try s.write("Datafile", """
            import Rules
            Rule("A") { s in
                s.tools = ["work.sh", "bin/other.sh"]
                s.outputs = ["a.txt"]
                s.recipe = "{tool} > {output} && for t in {tools}; do sh $t; done >> {output}"
            }
            """)
        try s.write("work.sh", "#!/bin/sh\necho worked\n")
        try s.write("bin/other.sh", "echo other\n")
        #expect(chmod(s.path + "/work.sh", 0o755) == 0)
        let build = try s.dbuild("all", "-v")
        #expect(build.status == 0, "\(build.stdout)\(build.stderr)")
        #expect(build.stdout.contains("./work.sh > a.txt && for t in ./work.sh bin/other.sh; do"), "\(build.stdout)")
        #expect(s.read("a.txt") == "worked\nworked\nother\n")
    }
}


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
}

import Foundation
import Testing
import TestSupport

/// Issue 25, item 4: a root the centre purges. Intermediates on it that disappear are made again
/// only when a step that reads them must run; a final product that disappears is made again, with
/// exactly the chain it needs.
@Suite struct PurgedRootTests {
    @Test func purgedIntermediatesAreNotRemadeAndALostFinalProductRemakesItsChain() throws {
        let s = try Scenario("empty")
        let scrubbed = TemporaryDirectory("dbuild-purged-root")
        try s.write("Datafile", """
            import Rules
            let scratch = Root("scrubbed", default: "\(scrubbed.path)", purgedAfterDays: 21)
            Rule("sim", over: ["r": ["r1", "r2"]]) { s in
                s.outputs = [scratch["sim/\\(s.r).dat"]]
                s.recipe = "echo {r} > {output}"
            }
            Rule("reduce", over: ["r": ["r1", "r2"]]) { s in
                s.inputs = s.outputs(of: "sim/\\(s.r)")
                s.outputs = [scratch["reduced/\\(s.r).dat"]]
                s.recipe = "tr a-z A-Z < {input} > {output}"
            }
            .staleness(.hash)
            Rule("final", over: ["r": ["r1", "r2"]]) { s in
                s.inputs = s.outputs(of: "reduce/\\(s.r)")
                s.outputs = [scratch["final/\\(s.r).txt"]]
                s.recipe = "cat {input} > {output}"
            }
            .staleness(.hash)
            """)
        #expect(try s.dbuild("all").status == 0)
        // The centre wipes every intermediate.
        try FileManager.default.removeItem(atPath: scrubbed.path + "/sim")
        try FileManager.default.removeItem(atPath: scrubbed.path + "/reduced")
        let dry = try s.dbuild("all", "-n")
        #expect(dry.stdout.contains("Nothing to do"), "\(dry.stdout)")
        #expect(try s.dbuild("verify").status == 0, "purged intermediates are not missing")
        // One final product lost: exactly its chain.
        try FileManager.default.removeItem(atPath: scrubbed.path + "/final/r2.txt")
        let build = try s.dbuild("all")
        #expect(Scenario.stepsRun(build) == ["sim/r2", "reduce/r2", "final/r2"], "\(build.stdout)")
        #expect(scrubbed.read("final/r2.txt") == "R2\n")
        #expect(!FileManager.default.fileExists(atPath: scrubbed.path + "/sim/r1.dat"), "r1's chain was not remade")
    }
}

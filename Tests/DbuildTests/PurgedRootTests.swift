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

    /// The purge set per machine (`root.scrubbed.purge = 3w` in the defaults file) acts as the
    /// Datafile's would; `status` lists products near that age with the core-hours to make them
    /// again; an unreadable age is refused, naming the file and how to write it.
    @Test func aPurgeSetPerMachineAndProductsNearItsAgeAreListed() throws {
        let s = try Scenario("empty")
        let scrubbed = TemporaryDirectory("dbuild-purged-here")
        try s.write("Datafile", """
            import Rules
            let scratch = Root("scrubbed", default: "\(scrubbed.path)")
            Rule("sim", over: ["r": ["r1", "r2"]]) { s in
                s.outputs = [scratch["sim/\\(s.r).dat"]]
                s.recipe = "sleep 1; echo {r} > {output}"
            }
            .resources(cpus: 2)
            Rule("reduce", over: ["r": ["r1", "r2"]]) { s in
                s.inputs = s.outputs(of: "sim/\\(s.r)")
                s.outputs = ["reduced/\\(s.r).dat"]
                s.recipe = "tr a-z A-Z < {input} > {output}"
            }
            """)
        try s.write("machine-defaults", "root.scrubbed.purge = 3w\n")
        let here = ["DBUILD_DEFAULTS": s.path + "/machine-defaults"]
        #expect(try s.run(["all"], environment: here).status == 0)
        // Both simulations were written 20 days ago: past three quarters of 21 days.
        let twentyDaysAgo = Int(Date().timeIntervalSince1970) - 20 * 86_400
        for r in ["r1", "r2"] {
            #expect(try runTool("/usr/bin/touch", ["-m", "-d", "@\(twentyDaysAgo)", scrubbed.path + "/sim/\(r).dat"]).status == 0)
        }
        let status = try s.run(["status"], environment: here)
        #expect(status.stdout.contains("sim on @scrubbed (wiped after 21 days): 2 products, oldest 20.0 days; making them again: "),
                "\(status.stdout)")
        #expect(!status.stdout.contains("reduce on"), "nothing of reduce is on the purged root")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(s.run(["status", "--json"], environment: here).stdout.utf8)) as? [String: Any])
        let rows = try #require(json["nearPurge"] as? [[String: Any]])
        #expect(rows.count == 1 && rows.first?["steps"] as? Int == 2 && rows.first?["estimatedFromLimit"] as? Int == 0)
        let coreHours = try #require(rows.first?["coreHours"] as? Double)
        #expect(coreHours >= 2 * 2 * 1.0 / 3600 && coreHours < 2 * 2 * 10.0 / 3600, "two runs of ≥ 1 s on 2 cores: \(coreHours)")
        #expect(try s.dbuild("status").stdout.contains("Near their purge age") == false, "without the setting, no purge here")

        // The centre wipes them: nothing to do here, while a machine without the setting remakes them.
        try FileManager.default.removeItem(atPath: scrubbed.path + "/sim")
        #expect(try s.run(["all", "-n"], environment: here).stdout.contains("Nothing to do"))
        let elsewhere = try s.dbuild("all", "-n")
        #expect(elsewhere.stdout.contains("sim/r1") && elsewhere.stdout.contains("sim/r2"), "\(elsewhere.stdout)")

        try s.write("machine-defaults", "root.scrubbed.purge = soon\n")
        let bad = try s.run(["all", "-n"], environment: here)
        #expect(bad.status == 2 && bad.stderr.contains("root.scrubbed.purge = soon in \(s.path)/machine-defaults is not a purge age; write it in days or weeks"),
                "\(bad.stderr)")
    }
}

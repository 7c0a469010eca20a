import Foundation
import Testing
import Targets

@Suite struct GraphAndReportTests {
    @Test func ruleGraphAsDotAndMermaid() throws {
        let s = try Scenario("lensing-chain")
        try s.dbuild("P")
        try Scenario.expectGolden(try s.dbuild("graph").stdout, "graph-lensing-chain.dot")
        try Scenario.expectGolden(try s.dbuild("graph", "--format", "mermaid").stdout, "graph-lensing-chain.mermaid")
        let steps = try s.dbuild("graph", "--steps", "R/m1/2", "--format", "mermaid")
        #expect(steps.stdout == """
            flowchart LR
              s0["P/m1"]
              s1["C/m1"]
              s2["R/m1/2"]
              s0 --> s1
              s1 --> s2

            """)
    }

    @Test func stepGraphOfAHugeSelectionIsRefusedPolitely() throws {
        let s = try Scenario("lensing-suite")
        try s.write("bin/lensplanes", "")
        for model in ["dmo", "hydro"] + (1...32).map({ "replace\($0)" }) { try s.write("sims/\(model)/snapshots.txt", "") }
        try FileManager.default.createDirectory(atPath: s.path + "/ceph", withIntermediateDirectories: true)
        let ceph = ["DBUILD_ROOT_CEPH": s.path + "/ceph"]
        let refused = try s.run(["graph", "--steps"], environment: ceph)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("the selection has 34680 steps"))
        #expect(try s.run(["graph", "--steps", "RT/dmo/LP_00/run001"], environment: ceph).status == 0)
    }

    /// The report rendered by a real browser: the page's script ran (no error stopped it) and shows
    /// the counts dbuild computed.
    @Test func reportRendersInHeadlessChromiumWithTheExpectedCounts() throws {
        let chromium = try #require(["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) },
                                    "install chromium (scripts/test.sh does)")
        let s = try Scenario("failing-step")
        #expect(try s.dbuild("all", "-k").status == 1)
        try s.remove("b/4.txt")
        let report = try s.dbuild("report", "--rows", "rule", "--columns", "i")
        #expect(report.status == 0, "\(report.stderr)")
        #expect(report.stdout.contains("5 complete, 2 missing, 0 broken, 0 running, 1 failed"), "\(report.stdout)")
        let page = s.path + "/logs/report.html"
        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(!html.contains("http://") || !html.contains("src=\"http"), "nothing fetched from the network")
        let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=2000"]
        let dom = try runTool(chromium, flags + ["--dump-dom", "file://" + page])
        #expect(dom.status == 0)
        #expect(dom.output.contains("data-status=\"ok\""), "the page's script finished")
        #expect(dom.output.contains("<span id=\"total\">8 steps</span>"))
        #expect(dom.output.contains("<span id=\"complete\">5 complete</span>"))
        #expect(dom.output.contains("<span id=\"failed\">1 failed</span>"))
        #expect(dom.output.contains("something broke"), "the failure's log excerpt")
        // Core-hours used per rule: every recorded run (6 here, the failed one included) × 1 core.
        #expect(dom.output.contains("<h2>Core-hours used</h2>") && dom.output.contains("<table id=\"core-hours\">"), "\(dom.output)")
        let runs = try StateStore(path: s.path + "/.dbuild/state.db", readOnly: true).runSecondsByRule()
        let totalRuns = runs.values.reduce(0) { $0 + $1.runs }
        #expect(totalRuns > 0 && dom.output.contains("<th style=\"text-align:left\">total</th><th>\(totalRuns)</th>"), "\(runs)")
        let png = s.path + "/report.png"
        let shot = try runTool(chromium, flags + ["--window-size=1200,1400", "--screenshot=" + png, "file://" + page])
        #expect(shot.status == 0)
        let bytes = try #require(FileManager.default.contents(atPath: png))
        #expect(bytes.count > 10_000 && bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]))
    }

    /// `report --watch 1` beside a local build: the page is rewritten whole as steps finish and reloads
    /// itself; two snapshots in headless Chromium, seconds apart, show the complete count grow and the
    /// running step. Ctrl-C ends the watch with status 0 and leaves no half-written page behind.
    @Test func reportWatchShowsTheCampaignLiveInHeadlessChromium() throws {
        let chromium = try #require(["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) },
                                    "install chromium (scripts/test.sh does)")
        let s = try Scenario("empty")
        try s.write("Datafile", """
            import Rules
            Rule("step", over: ["i": 0..<20]) { s in
                s.outputs = ["out/\\(s.i).txt"]
                s.recipe = "sleep 2; echo {i} > {output}"
            }
            """)
        #expect(try s.dbuild("-n").status == 0)                   // evaluated before the clock starts
        let build = try s.launch("all", "-j", "1") { s.exists("out/0.txt") }
        defer { build.interrupt(); build.waitUntilExit() }
        let watch = Process()
        watch.executableURL = URL(fileURLWithPath: Scenario.executable)
        watch.arguments = ["report", "--watch", "1"]
        watch.currentDirectoryURL = URL(fileURLWithPath: s.path)
        watch.standardOutput = FileHandle.nullDevice
        try watch.run()
        let page = s.path + "/logs/report.html"
        func snapshot() throws -> (complete: Int, dom: String) {
            let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=300"]   // less than the page's reload
            let dom = try runTool(chromium, flags + ["--dump-dom", "file://" + page]).output
            let complete = dom.range(of: #"<span id="complete">(\d+) complete</span>"#, options: .regularExpression)
                .map { Int(dom[$0].filter(\.isNumber)) ?? -1 } ?? -1
            return (complete, dom)
        }
        #expect(SlurmInodeBudgetTests.wait(20) { s.exists("logs/report.html") })
        let first = try snapshot()
        // Until a step more is complete on the page (the watch rewrote it; steps take 2 s each).
        var second = first
        Waiting.until(30) {
            second = (try? snapshot()) ?? second
            return second.complete > first.complete
        }
        #expect(first.dom.contains("data-status=\"ok\"") && second.dom.contains("data-status=\"ok\""), "the page's script ran")
        #expect(first.complete >= 1 && second.complete > first.complete, "the count grew: \(first.complete) then \(second.complete)")
        #expect(second.dom.contains("<span id=\"running\">1 running</span>"), "the step running now: \(second.dom.suffix(1500))")
        #expect(second.dom.contains("http-equiv=\"refresh\" content=\"1\""), "the page reloads itself")
        watch.interrupt()
        watch.waitUntilExit()
        #expect(watch.terminationStatus == 0)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: s.path + "/logs").filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }
}

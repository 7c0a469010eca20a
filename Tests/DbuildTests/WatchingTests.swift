import Foundation
import Testing

/// Issue 17, watching a campaign: `dbuild status` in another terminal sees a local build's running
/// steps and progress, and says it all as JSON for scripts.
@Suite(.serialized) struct WatchingTests {
    static func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object: \(text)")
    }

    /// Every key the README's schema promises for `status --json`, at each level.
    static func expectStatusSchema(_ status: [String: Any], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(status["schema"] as? String == "dbuild.status/1", sourceLocation: sourceLocation)
        for key in ["rules", "running", "failures", "blocked", "ownFiles"] {
            #expect(status[key] != nil, "status has \(key)", sourceLocation: sourceLocation)
        }
        for rule in status["rules"] as? [[String: Any]] ?? [] {
            for key in ["rule", "steps", "built", "queued", "running", "failed", "blocked", "stale", "missing", "jobs"] {
                #expect(rule[key] != nil, "a rule row has \(key)", sourceLocation: sourceLocation)
            }
        }
        for step in status["running"] as? [[String: Any]] ?? [] {
            for key in ["step", "rule", "place"] { #expect(step[key] != nil, "a running step has \(key)", sourceLocation: sourceLocation) }
        }
        if let build = status["build"] as? [String: Any] {
            for key in ["host", "pid", "total", "done", "running", "failed", "elapsedSeconds"] {
                #expect(build[key] != nil, "the build has \(key)", sourceLocation: sourceLocation)
            }
        }
    }

    @Test func statusSeesALocalBuildsRunningStepsAndProgress() throws {
        let s = try Scenario("empty")
        try s.write("Datafile", """
            import Rules
            Rule("quick", over: ["i": 0..<3], outputs: ["q/{i}.txt"], recipe: "echo {i} > {output}")
            Rule("slow", over: ["i": 0..<4]) { s in
                s.inputs = ["q/0.txt"]
                s.outputs = ["s/\\(s.i).txt"]
                s.recipe = "sleep 6; echo {i} > {output}"
            }
            """)
        let build = try s.launch("all", "-j", "2") {
            ((try? FileManager.default.contentsOfDirectory(atPath: s.path + "/logs/slow")) ?? []).count >= 2
        }
        defer { build.interrupt(); build.waitUntilExit() }
        var status = try s.dbuild("status")
        Waiting.until(5) {
            status = (try? s.dbuild("status")) ?? status
            return status.stdout.contains("[3/7] 2 running")
        }
        #expect(status.status == 0, "\(status.stderr)")
        let slowRow = status.stdout.split(separator: "\n").first { $0.hasPrefix("slow ") }.map { $0.split(separator: " ").map(String.init) }
        // rule, steps, built, queued, running
        #expect(slowRow?.prefix(5) == ["slow", "4", "0", "0", "2"], "\(status.stdout)")
        #expect(status.stdout.contains("Building here (dbuild pid \(build.processIdentifier) on "), "\(status.stdout)")
        #expect(status.stdout.contains("[3/7] 2 running"), "3 quick steps done, 2 slow ones running: \(status.stdout)")
        #expect(status.stdout.contains("Running now (longest first):\n  slow/"), "\(status.stdout)")

        let json = try s.dbuild("status", "--json")
        let object = try Self.object(json.stdout)
        Self.expectStatusSchema(object)
        let running = object["running"] as? [[String: Any]] ?? []
        #expect(running.count == 2 && running.allSatisfy { $0["place"] as? String == "local" && ($0["elapsedSeconds"] as? Double ?? -1) >= 0 },
                "\(json.stdout)")
        let progress = object["build"] as? [String: Any]
        #expect(progress?["total"] as? Int == 7 && progress?["done"] as? Int == 3 && progress?["pid"] as? Int == Int(build.processIdentifier),
                "\(json.stdout)")
    }

    /// After the build: no build in progress, nothing running, every row built; the same as golden JSON.
    @Test func statusJSONOfABuiltProject() throws {
        let s = try Scenario("lensing-chain")
        #expect(try s.dbuild("all").status == 0)
        let json = try s.dbuild("status", "--json")
        #expect(json.status == 0)
        let object = try Self.object(json.stdout)
        Self.expectStatusSchema(object)
        #expect(object["build"] == nil && (object["running"] as? [Any])?.isEmpty == true)
        try Scenario.expectGolden(json.stdout, "status-lensing-chain.json")
    }
}

@Suite struct StatusWatchTests {
    /// Under a pseudo-terminal (`script`), `status --watch 1` redraws in place (clear and home before
    /// each look) and ends with status 0 on Ctrl-C (SIGINT); piped, it prints stamped blocks.
    @Test func watchRedrawsUnderATerminalAndEndsOnCtrlC() throws {
        let s = try Scenario("lensing-chain")
        #expect(try s.dbuild("all").status == 0)
        let transcript = s.path + "/watch.typescript"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        // `exec`: whatever shell `script` starts is replaced by dbuild, so the SIGINT below reaches it (a
        // shell waiting for its child would hold the signal until the child ends).
        process.arguments = ["-q", "-e", "-c", "exec \(Scenario.executable) status --watch 1 --keep-watching", transcript]
        process.currentDirectoryURL = URL(fileURLWithPath: s.path)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        func redraws() -> Int { (s.read("watch.typescript") ?? "").components(separatedBy: "\u{1B}[H\u{1B}[2J").count - 1 }
        while redraws() < 3 && Date() < deadline { usleep(200_000) }
        let drawn = redraws()
        // Ctrl-C: SIGINT to the watching dbuild, script's child.
        _ = try runTool("/bin/sh", ["-c", "pkill -INT -P \(process.processIdentifier)"])
        let ended = Date().addingTimeInterval(10)
        while process.isRunning && Date() < ended { usleep(100_000) }
        if process.isRunning { _ = try runTool("/bin/sh", ["-c", "pkill -KILL -P \(process.processIdentifier)"]) }
        process.waitUntilExit()
        #expect(drawn >= 3, "redrawn in place at least three times: \(drawn)")
        let text = s.read("watch.typescript") ?? ""
        #expect(text.contains("dbuild status — ") && text.contains("rule   steps   built"), "\(text.prefix(600))")
        #expect(process.terminationStatus == 0, "Ctrl-C ends it cleanly")

        let piped = Process()
        piped.executableURL = URL(fileURLWithPath: Scenario.executable)
        piped.arguments = ["status", "--watch", "1", "--keep-watching"]
        piped.currentDirectoryURL = URL(fileURLWithPath: s.path)
        let pipe = Pipe()
        piped.standardOutput = pipe
        try piped.run()
        usleep(2_500_000)                                   // two looks of a 1 s watch, read only once it ends
        piped.interrupt()
        piped.waitUntilExit()
        let plain = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(plain.components(separatedBy: "--- dbuild status ").count - 1 >= 2 && !plain.contains("\u{1B}["), "\(plain.prefix(400))")
        #expect(piped.terminationStatus == 0)
    }
}

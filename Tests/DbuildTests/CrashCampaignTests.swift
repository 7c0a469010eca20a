import Foundation
import Testing
import Targets

/// Issue 7's crash campaign: a few hundred slow-writing steps; dbuild killed at random moments and
/// resumed, again and again; then finished. Nothing may be lost, half-made or redone. The count of
/// kills is `DBUILD_CRASH_KILLS` (CI: 5 per signal; the full campaign: 25, see RELIABILITY.md).
/// Serialized: each test keeps both cores busy with recipes, and kill timing depends on it.
@Suite(.serialized) struct CrashCampaignTests {
    /// 200 writers (three lines, 0.1 s apart: a killed run's recipes are still writing when the
    /// next run starts), 20 aggregates of ten, one total: 221 steps, two at a time (one per core).
    /// Every step is staged (`-n -v` lists none written in place): killed runs leave staging folders.
    static let datafile = """
        import Rules
        Rule("W", over: ["i": 0..<200]) { s in
            s.outputs = ["w/\\(s.i).txt"]
            s.recipe = "echo {name} >> starts.log; for k in 1 2 3; do echo {name} part $k; sleep 0.1; done > {output}"
        }
        Rule("S", over: ["g": 0..<20]) { s in
            s.inputs = (0..<10).map { "w/\\(Int(s.g)! * 10 + $0).txt" }
            s.outputs = ["s/\\(s.g).txt"]
            s.recipe = "echo {name} >> starts.log; cat {inputs} > {output}.tmp; sleep 0.05; mv {output}.tmp {output}"
        }
        Rule("T") { s in
            s.inputs = s.outputs(of: "S")
            s.outputs = ["total.txt"]
            s.recipe = "echo {name} >> starts.log; cat {inputs} | wc -l > {output}"
        }
        """

    static var kills: Int { Int(ProcessInfo.processInfo.environment["DBUILD_CRASH_KILLS"] ?? "") ?? 5 }

    /// Products of an uninterrupted build, path → bytes.
    static let cleanProducts: [String: Data] = {
        let s = try! Scenario("empty")
        try! s.write("Datafile", datafile)
        let result = try! s.dbuild("all", "-q")
        precondition(result.status == 0, result.stderr)
        return products(in: s)
    }()

    static func products(in s: Scenario) -> [String: Data] {
        var result: [String: Data] = [:]
        for folder in ["w", "s"] {
            // (A recipe's own temporary file is not a product.)
            for name in (try? FileManager.default.contentsOfDirectory(atPath: s.path + "/" + folder)) ?? [] where !name.hasSuffix(".tmp") {
                result["\(folder)/\(name)"] = FileManager.default.contents(atPath: "\(s.path)/\(folder)/\(name)")
            }
        }
        result["total.txt"] = FileManager.default.contents(atPath: s.path + "/total.txt")
        return result
    }

    static func recordedSteps(in s: Scenario) throws -> Set<String> {
        guard s.exists(".dbuild/state.db") else { return [] }
        return Set(try StateStore(path: s.path + "/.dbuild/state.db", readOnly: true).loadRecords().keys)
    }

    static func startedSteps(in s: Scenario) -> [String] {
        (s.read("starts.log") ?? "").split(separator: "\n").map(String.init)
    }

    struct Figures: CustomStringConvertible {
        var signal = ""
        var kills = 0
        var productsLost = 0
        var needlessReruns = 0
        var halfMadeSeen = 0
        var description: String {
            "\(signal): \(kills) kills survived, \(productsLost) products lost, \(needlessReruns) needless re-runs, "
                + "\(halfMadeSeen) half-made products left after a clean stop"
        }
    }

    func campaign(signal: Int32, name: String) throws -> Figures {
        let s = try Scenario("empty")
        try s.write("Datafile", Self.datafile)
        let plan = try s.dbuild("all", "-n", "-v")
        #expect(plan.stdout.contains("W/0") && !plan.stdout.contains("Written in place"), "every step is staged: \(plan.stdout.prefix(2000))")
        var figures = Figures(signal: name)
        var generator = SystemRandomNumberGenerator()
        // Killed runs are waited for only at the end: Foundation's wait for a SIGKILLed child takes the
        // recipes it left running down with it, and the campaign is about runs that leave them behind.
        var killed: [Process] = []
        defer { killed.forEach { $0.waitUntilExit() } }
        for _ in 0..<Self.kills {
            let recordedBefore = try Self.recordedSteps(in: s)
            let startsBefore = Self.startedSteps(in: s).count
            let process = try s.launch("all", "-q") { true }
            usleep(UInt32.random(in: 150_000...1_500_000, using: &generator))   // a kill at a random moment is the test
            if process.isRunning { kill(process.processIdentifier, signal) }
            if signal == SIGKILL {
                killed.append(process)
                Waiting.until(10) { Waiting.isDead(process.processIdentifier) }
            } else {
                process.waitUntilExit()
            }
            figures.kills += 1
            // Steps recorded as built before this run must not have started again in it.
            let started = Self.startedSteps(in: s).dropFirst(startsBefore)
            figures.needlessReruns += started.filter { recordedBefore.contains($0) }.count
            if signal != SIGKILL {
                // A clean stop: recipes stopped, partial outputs removed — every product left is whole.
                #expect(process.terminationStatus == 130 || process.terminationStatus == 0)
                usleep(200_000)                // recipes the stop killed may still be dying (their group's SIGKILL)
                for (path, bytes) in Self.products(in: s) where Self.cleanProducts[path] != bytes {
                    figures.halfMadeSeen += 1
                    Issue.record("\(path) is half-made after a clean stop by \(name)")
                }
            }
        }
        let recordedBefore = try Self.recordedSteps(in: s)
        let startsBefore = Self.startedSteps(in: s).count
        let final = try s.dbuild("all", "-q")
        #expect(final.status == 0, "\(final.stdout)\(final.stderr)")
        figures.needlessReruns += Self.startedSteps(in: s).dropFirst(startsBefore).filter { recordedBefore.contains($0) }.count
        let products = Self.products(in: s)
        figures.productsLost = Self.cleanProducts.filter { products[$0.key] != $0.value }.count
        #expect(products == Self.cleanProducts, "products differ from a clean build's")
        let verify = try s.dbuild("verify")
        #expect(verify.status == 0, "\(verify.stdout)")
        #expect(try StateStore(path: s.path + "/.dbuild/state.db", readOnly: true).integrityCheck() == "ok")
        let staging = (try? FileManager.default.contentsOfDirectory(atPath: s.path + "/.dbuild/staging")) ?? []
        #expect(staging.isEmpty, "the staging folders of killed runs are gone once a build finished: \(staging)")
        #expect(try s.dbuild("all", "-n").stdout.hasPrefix("Nothing to do"))
        #expect(figures.needlessReruns == 0)
        print("crash campaign — \(figures)")
        if let report = ProcessInfo.processInfo.environment["DBUILD_RELIABILITY_REPORT"] {
            let line = Data("crash campaign — \(figures)\n".utf8)
            if let handle = FileHandle(forWritingAtPath: report) { handle.seekToEndOfFile(); handle.write(line); handle.closeFile() }
            else { _ = FileManager.default.createFile(atPath: report, contents: line) }
        }
        return figures
    }

    @Test func sigkillAtRandomMomentsLosesNothingAndRedoesNothing() throws {
        let figures = try campaign(signal: SIGKILL, name: "SIGKILL")
        #expect(figures.kills == Self.kills)
        #expect(figures.productsLost == 0)
    }

    @Test func sigintStopsCleanlyEveryTime() throws {
        let figures = try campaign(signal: SIGINT, name: "SIGINT")
        #expect(figures.productsLost == 0 && figures.halfMadeSeen == 0)
    }

    @Test func sigtermStopsCleanlyEveryTime() throws {
        let figures = try campaign(signal: SIGTERM, name: "SIGTERM")
        #expect(figures.productsLost == 0 && figures.halfMadeSeen == 0)
    }
}

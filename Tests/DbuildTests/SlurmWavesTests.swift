import Foundation
import Testing
import TestSupport

/// Issue 12 on the real SLURM: a campaign larger than what the user may queue goes in waves, carried
/// to the end by continuation jobs with no dbuild left on the login node; `cancel` stops the chain.
extension SlurmScenarioTests {
    /// Three planes, three conversions, one summary: 7 one-step tasks whose 20-minute limits a
    /// 30-minute MaxTime never lets bundle, under a per-user limit of 4 jobs (2 tasks a wave, beside
    /// the continuation job running and the one it queues).
    static let wavesDatafile = """
        import Rules
        Rule("A", over: ["i": 0..<3]) { s in
            s.outputs = ["a/\\(s.i).txt"]
            s.recipe = "echo {name} >> starts.log; echo plane {i} > {output}"
        }
        .resources(time: "20m")
        Rule("B", over: ["i": 0..<3]) { s in
            s.inputs = s.outputs(of: "A/\\(s.i)")
            s.outputs = ["b/\\(s.i).txt"]
            s.recipe = "echo {name} >> starts.log; SLOW && (cat {input}; echo converted) > {output}"
        }
        .resources(time: "20m")
        Rule("S") { s in
            s.inputs = s.outputs(of: "B")
            s.outputs = ["summary.txt"]
            s.recipe = "echo {name} >> starts.log; cat {inputs} > {output}"
        }
        .resources(time: "20m")
        """

    static let waveProducts = ["a/0.txt", "a/1.txt", "a/2.txt", "b/0.txt", "b/1.txt", "b/2.txt", "summary.txt"]

    func wavesProject(slow: String = "true", maxSubmitJobs: Int = 4, defaults: String = "") throws -> (Scenario, [String: String]) {
        let s = try Scenario("empty")
        try s.write("Datafile", Self.wavesDatafile.replacingOccurrences(of: "SLOW", with: slow))
        try s.write("machine-defaults", "slurm.maxSubmitJobs = \(maxSubmitJobs)\nslurm.maxTime = 00:30:00\n" + defaults)
        return (s, ["DBUILD_DEFAULTS": s.path + "/machine-defaults"])
    }

    /// Steps of every array manifest of every submission, by submission.
    static func submittedSteps(_ s: Scenario) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for submission in submissions(s) {
            let folder = s.path + "/.dbuild/slurm/" + submission
            for file in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where file.hasPrefix("array-") && file.hasSuffix(".json") {
                let data = FileManager.default.contents(atPath: folder + "/" + file) ?? Data()
                let manifest = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
                let tasks = manifest?["tasks"] as? [[[String: Any]]] ?? []
                result[submission, default: []] += tasks.flatMap { $0.compactMap { $0["name"] as? String } }
            }
        }
        return result
    }

    @Test func aCampaignLargerThanTheUsersLimitCompletesInWavesWithNobodyWaiting() throws {
        let (s, environment) = try wavesProject()
        let dry = try s.run(["all", "--backend", "slurm", "-n"], environment: environment)
        #expect(dry.stdout.contains("the other 5 steps follow in later waves"), "\(dry.stdout)")
        // The owner asks to be told when the whole campaign has ended: after the last wave, not the first.
        let first = try s.launch("all", "--backend", "slurm", "--on-finish", "cat > finished.json", environment: environment) {
            (s.read(".dbuild/slurm/" + (Self.submissions(s).first ?? "none") + "/next-wave") ?? "").contains("job ")
        }
        kill(first.processIdentifier, SIGKILL)                  // nobody stays on the login node
        first.waitUntilExit()
        let status = try s.run(["status"], environment: environment)
        #expect(status.stdout.contains("Waves: wave "), "\(status.stdout)\(status.stderr)")

        let deadline = Date().addingTimeInterval(240)
        while !s.exists("summary.txt") && Date() < deadline { sleep(2) }        // polled, not waited out
        let continuationLogs = Self.submissions(s).map { s.read(".dbuild/slurm/\($0)/next-wave.out") ?? "" }.joined(separator: "\n")
        #expect(s.exists("summary.txt"), "the continuation jobs carried the campaign to its end: \(continuationLogs)")
        Waiting.untilOffTheQueue(s)                              // the last wave's tasks have ended
        let submitted = Self.submittedSteps(s)
        #expect(submitted.count >= 3, "in waves: \(submitted)")
        // 4 jobs: 2 tasks beside the continuation job running and the one it queues; the last wave 3 beside itself.
        #expect(submitted.values.allSatisfy { $0.count <= 3 }, "never more than the user may queue: \(submitted)")
        let all = submitted.values.flatMap { $0 }
        #expect(all.sorted() == ["A/0", "A/1", "A/2", "B/0", "B/1", "B/2", "S"], "each step submitted once: \(all.sorted())")
        #expect((s.read("starts.log") ?? "").split(separator: "\n").count == 7, "each step ran once")
        #expect(SlurmInodeBudgetTests.wait(60) { s.exists("finished.json") }, "the last wave ran the on-finish command")
        let finished = try WatchingTests.object(s.read("finished.json") ?? "")
        #expect(finished["steps"] as? Int == 7 && finished["succeeded"] as? Int == 7 && finished["outcome"] as? String == "succeeded",
                "the summary covers every wave: \(finished)")
        #expect((finished["submissions"] as? [String])?.count == submitted.count, "\(finished)")
        #expect(s.read("summary.txt") == "plane 0\nconverted\nplane 1\nconverted\nplane 2\nconverted\n")
        let verify = try s.run(["verify"], environment: environment)
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        let again = try s.run(["all", "--backend", "slurm"], environment: environment)
        #expect(again.stdout.contains("nothing to submit"), "\(again.stdout)")
        let last = try #require(Self.submissions(s).sorted().last)
        #expect((s.read(".dbuild/slurm/\(last)/wave") ?? "").trimmingCharacters(in: .whitespacesAndNewlines) == "\(submitted.count)")
    }

    @Test func cancelStopsTheWaveChainAndKeepsEveryBuiltProduct() throws {
        // No bundling (the local build's recorded seconds would allow it): 4 tasks, 1 a wave under 3 jobs.
        let (s, environment) = try wavesProject(slow: "sleep 20", maxSubmitJobs: 3, defaults: "slurm.bundleTime = 00:00:01\n")
        try s.write("Datafile", Self.wavesDatafile.replacingOccurrences(of: "SLOW", with: "true"))
        #expect(try s.run(["all", "-q"], environment: environment).status == 0)
        let before = Self.products(s, Self.waveProducts)
        // The conversions change: B and S are stale, A is not.
        try s.write("Datafile", Self.wavesDatafile.replacingOccurrences(of: "SLOW", with: "sleep 20"))
        let submit = try s.run(["all", "--backend", "slurm"], environment: environment)
        #expect(submit.stdout.contains("more steps follow in later waves") || submit.stdout.contains("more step follow"), "\(submit.stdout)")
        let cancel = try s.run(["cancel"], environment: environment)
        #expect(cancel.status == 0, "\(cancel.stdout)\(cancel.stderr)")
        #expect(cancel.stdout.contains("Stopped the wave chain"), "\(cancel.stdout)")
        Waiting.untilOffTheQueue(s)                              // the cancelled continuation job can submit nothing now
        #expect(Self.submissions(s).count == 1, "no later wave was submitted")
        let status = try s.run(["status"], environment: environment)
        #expect(status.stdout.contains("the chain was cancelled"), "\(status.stdout)")
        #expect(Self.products(s, Self.waveProducts) == before, "every product survives, byte-identical")
        #expect(try s.run(["all", "-n"], environment: environment).stdout.contains("B/0"), "the steps stay to run")
    }
}

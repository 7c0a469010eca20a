import Foundation
import Testing

/// SLURM from where users are: a campaign already built, with products on disk and declared times
/// of hours, then damaged and rebuilt on the real local SLURM. Each test hashes every product before
/// and after and asserts what must survive, not only what runs.
@Suite(.serialized) struct SlurmBuiltCampaignTests {
    init() throws {
        try #require(try runTool("/bin/sh", ["-c", "sinfo -h -o %T"]).status == 0,
                     "SLURM is not running: start it with scripts/slurm-local.sh start")
    }

    /// Every file under data/ with its bytes and mtime.
    static func products(_ s: Scenario) throws -> [String: String] {
        var result: [String: String] = [:]
        for name in try FileManager.default.subpathsOfDirectory(atPath: s.path + "/data") {
            let full = s.path + "/data/" + name
            let attributes = try FileManager.default.attributesOfItem(atPath: full)
            guard attributes[.type] as? FileAttributeType == .typeRegular else { continue }
            let mtime = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            result["data/" + name] = "\(mtime) " + (FileManager.default.contents(atPath: full) ?? Data()).base64EncodedString()
        }
        return result
    }

    /// The paths whose bytes or mtime differ (for messages: products are too big to print).
    static func differences(_ a: [String: String], _ b: [String: String]) -> [String] {
        Set(a.keys).union(b.keys).filter { a[$0] != b[$0] }.sorted()
    }

    static func logs(_ s: Scenario) -> [String: String] {
        var result: [String: String] = [:]
        for name in (try? FileManager.default.subpathsOfDirectory(atPath: s.path + "/logs")) ?? [] where name.hasSuffix(".log") {
            result[name] = s.read("logs/" + name)
        }
        return result
    }

    static let mpirunDefaults = "slurm.launcher = mpirun --allow-run-as-root\n"

    /// The example pipeline built once (locally: the same engine), then run on SLURM with the given
    /// launcher for its MPI step.
    static func builtExamplePipeline() throws -> Scenario {
        let s = try Scenario.examplePipeline()
        let build = try s.dbuild("all")
        try #require(build.status == 0, "\(build.stdout)\(build.stderr)")
        return s
    }

    func slurmBuild(_ s: Scenario, launcher: String) throws -> Scenario.Result {
        try s.write("machine-defaults", "slurm.launcher = \(launcher)\n")
        return try s.run(["all", "--backend", "slurm", "--wait", "--poll-interval", "1"],
                         environment: ["DBUILD_DEFAULTS": s.path + "/machine-defaults"])
    }

    /// The first scenario: one lens plane lost, and the LP step's rerun fails at launch
    /// (plain srun: Debian's Open MPI has no SLURM PMI support). Nothing that existed is touched.
    @Test func upstreamFailureAtLaunchLosesNoDownstreamProduct() throws {
        let s = try Self.builtExamplePipeline()
        let lost = "data/LP/hydro/r1/plane2.h5"
        try s.remove(lost)
        let before = try Self.products(s)
        let run = try slurmBuild(s, launcher: "srun")
        #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("FAILED: LP/hydro/r1"), "\(run.stdout)")
        let after = try Self.products(s)
        let lostCount = before.filter { after[$0.key] != $0.value }.count
        print("SLURM: upstream failure with downstream products present — products lost: \(lostCount) of \(before.count)")
        #expect(Self.differences(after, before) == [], "every product that existed before still exists, byte-identical and untouched")
        let status = try s.dbuild("status")
        func row(_ rule: String) -> [String] {
            status.stdout.split(separator: "\n").first { $0.hasPrefix(rule + " ") }.map { $0.split(separator: " ").map(String.init) } ?? []
        }
        // rule, steps, built, queued, running, failed, blocked, stale, missing
        #expect(row("LP").prefix(7) == ["LP", "6", "5", "0", "0", "1", "0"], "\(status.stdout)")
        #expect(row("LUX").prefix(7) == ["LUX", "6", "5", "0", "0", "0", "1"], "\(status.stdout)")
        #expect(row("RT").prefix(7) == ["RT", "30", "25", "0", "0", "0", "5"], "\(status.stdout)")
        #expect(status.stdout.contains("LUX/hydro/r1: blocked by LP/hydro/r1, which failed"), "\(status.stdout)")
        // Fixed launcher: the rerun completes.
        let rerun = try slurmBuild(s, launcher: "mpirun --allow-run-as-root")
        #expect(rerun.status == 0, "\(rerun.stdout)\(rerun.stderr)")
        #expect(try s.dbuild("verify").status == 0)
        // Only the LP step ran (it rewrote its planes, identically); everything else is as it was.
        let remade = try Self.products(s)
        #expect(Self.differences(remade.filter { !$0.key.hasPrefix("data/LP/hydro/r1/") },
                                 before.filter { !$0.key.hasPrefix("data/LP/hydro/r1/") }) == [])
        for (path, value) in before where path.hasPrefix("data/LP/hydro/r1/") {
            #expect(remade[path]?.split(separator: " ").last == value.split(separator: " ").last, "\(path) remade identically")
            if remade[path]?.split(separator: " ").last != value.split(separator: " ").last { break }
        }
    }

    /// One plane lost and regenerated byte-identical on SLURM: everything downstream is submitted
    /// "only if what it reads comes out changed", and each array task finds it unchanged.
    @Test func planeRegeneratedIdenticallyRunsNothingDownstreamOnSlurm() throws {
        let s = try Self.builtExamplePipeline()
        let original = try #require(FileManager.default.contents(atPath: s.path + "/data/LP/dmo/r0/plane1.h5"))
        try s.remove("data/LP/dmo/r0/plane1.h5")
        let before = try Self.products(s)
        let logs = Self.logs(s)
        let run = try slurmBuild(s, launcher: "mpirun --allow-run-as-root")
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("submitted 15 steps"), "the plane's step and the 14 that read what it makes: \(run.stdout)")
        #expect(FileManager.default.contents(atPath: s.path + "/data/LP/dmo/r0/plane1.h5") == original, "regenerated identically")
        let after = try Self.products(s)
        let outsideTheStep = { (products: [String: String]) in products.filter { !$0.key.hasPrefix("data/LP/dmo/r0/") } }
        #expect(Self.differences(outsideTheStep(after), outsideTheStep(before)) == [],
                "LUX, RT, PS, summary, plot and release did not run: their products' mtimes are unchanged")
        var logsAfter = Self.logs(s)
        logsAfter["LP/dmo/r0.log"] = logs["LP/dmo/r0.log"]
        #expect(Self.differences(logsAfter, logs) == [], "and so are their logs")
        let slurmLogs = try FileManager.default.subpathsOfDirectory(atPath: s.path + "/logs/LUX").filter { $0.hasPrefix("slurm-") }
        #expect(slurmLogs.contains { s.read("logs/LUX/" + $0)?.contains("LUX/dmo/r0 not run: what it reads is unchanged") == true },
                "the task's log says why it did not run")
        #expect(try s.dbuild("all", "-n").stdout.hasPrefix("Nothing to do"), "recorded up to date")
    }

    /// Two realizations whose steps declare hours; the first one's plane step fails. The second
    /// realization's whole chain completes in the same submission; what needs the first is blocked.
    @Test func oneRealizationsFailureLeavesTheOtherToComplete() throws {
        let s = try Scenario("empty")
        try s.write("Datafile", """
            import Rules
            let reals = ["r1", "r2"]
            Rule("LP", over: ["real": reals]) { s in
                s.outputs = (0..<3).map { "data/LP/\\(s.real)/plane\\($0).dat" }
                s.recipe = "[ -f broken-{real} ] && exit 127; for f in {outputs}; do echo {real} $f > $f; done"
            }
            .resources(time: "6:00:00")
            Rule("LUX", over: ["real": reals]) { s in
                s.inputs = s.outputs(of: "LP/\\(s.real)")
                s.outputs = ["data/LUX/\\(s.real).lux"]
                s.recipe = "cat {inputs} > {output}"
            }
            .resources(time: "2:00:00").staleness(.hash)
            Rule("RT", over: ["real": reals, "run": 1...3]) { s in
                s.inputs = s.outputs(of: "LUX/\\(s.real)")
                s.outputs = ["data/RT/\\(s.real)/run\\(s.run).fits"]
                s.recipe = "(cat {input}; echo run {run}) > {output}"
            }
            .resources(time: "24:00:00").staleness(.hash)
            Rule("summary") { s in
                s.inputs = s.outputs(of: "RT")
                s.outputs = ["data/summary.txt"]
                s.recipe = "cat {inputs} | wc -l > {output}"
            }
            .staleness(.hash)
            """)
        #expect(try s.dbuild("all").status == 0)
        // The LP step of each realization is redone (its recipe changed), and r1's fails at launch.
        try s.editDatafile(replacing: "echo {real} $f > $f", with: "echo {real} $f v2 > $f")
        try s.write("broken-r1", "")
        let before = try Self.products(s)
        let run = try s.dbuild("all", "--backend", "slurm", "--wait", "--poll-interval", "1")
        #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
        #expect(Self.submissionCount(s) == 1, "one submission")
        let after = try Self.products(s)
        for r in ["r2"] {
            // The recipe wrote its staged path ({output} names it) into the file.
            let plane = s.read("data/LP/\(r)/plane0.dat") ?? ""
            #expect(plane.hasPrefix("\(r) .dbuild/staging/") && plane.hasSuffix("/plane0.dat v2\n"), "\(plane)")
            #expect(s.read("data/LUX/\(r).lux")?.contains("v2") == true)
            for run in 1...3 { #expect(s.read("data/RT/\(r)/run\(run).fits")?.contains("v2") == true, "RT/\(r)/\(run) ran") }
        }
        for (path, value) in before where path.contains("r1") || path == "data/summary.txt" {
            #expect(after[path] == value ? true : false, "\(path) is untouched: its step never ran")
        }
        let status = try s.dbuild("status")
        #expect(status.stdout.contains("RT/r1/1: blocked by LP/r1, which failed"), "\(status.stdout)")
        #expect(status.stdout.contains("summary: blocked by LP/r1, which failed"), "\(status.stdout)")
    }

    /// A task finished and its result file was damaged after (a node over its quota, a partial write
    /// on a network file system): the products are checked like any other, and never deleted.
    @Test func damagedResultFileIsJudgedByTheProducts() throws {
        let s = try Scenario("empty")
        try s.write("Datafile", """
            import Rules
            Rule("A", over: ["i": 1...2]) { s in
                s.outputs = ["a/\\(s.i).txt"]
                s.recipe = "echo product {i} > {output}"
            }
            .expect(minBytes: 4)
            """)
        let submit = try s.dbuild("all", "--backend", "slurm")
        #expect(submit.status == 0, "\(submit.stdout)\(submit.stderr)")
        let submission = try #require(SlurmScenarioTests.submissions(s).first)
                // One result file per array task (here one step each): wait until both hold a result.
        func hasResult(_ task: Int) -> Bool { s.read(".dbuild/slurm/\(submission)/results/0.\(task).jsonl")?.contains("\"result\"") == true }
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline && !(hasResult(0) && hasResult(1)) { usleep(200_000) }
        try #require(hasResult(0) && hasResult(1), "the tasks finished")
        // A/1: its task was killed while appending its result (the line is cut short); its product
        // is sound. A/2: its result line is garbage and its product was cut short too.
        let first = try #require(s.read(".dbuild/slurm/\(submission)/results/0.0.jsonl"))
        let cut = first.range(of: "{\"position\":0,\"result\"")!.lowerBound
        try s.write(".dbuild/slurm/\(submission)/results/0.0.jsonl", String(first[..<cut]) + "{\"position\":0,\"result\":{\"exitSt")
        let second = try #require(s.read(".dbuild/slurm/\(submission)/results/0.1.jsonl"))
        let start = second.range(of: "{\"position\":0,\"result\"")!.lowerBound
        try s.write(".dbuild/slurm/\(submission)/results/0.1.jsonl", String(second[..<start]) + "{\"position\":0,\"result\u{0}\u{1}garbage\n")
        try s.write("a/2.txt", "pr")
        let status = try s.dbuild("status")
        #expect(status.stdout.contains("its task ended while writing its result to") && status.stdout.contains("0.0.jsonl"), "\(status.stdout)")
        #expect(status.stdout.contains("0.1.jsonl cannot be read"), "\(status.stdout)")
        #expect(status.stdout.contains("A/1's products are present, sound and newer than its submission: recorded as built"), "\(status.stdout)")
        #expect(status.stdout.contains("whether A/2 succeeded is unknown, so its files are kept"), "\(status.stdout)")
        #expect(s.read("a/1.txt") == "product 1\n" && s.read("a/2.txt") == "pr", "nothing deleted")
        let dry = try s.dbuild("all", "-n")
        #expect(dry.stdout.hasPrefix("Plan: 1 of 2 selected steps would run"), "\(dry.stdout)")
        #expect(dry.stdout.contains("A/2"), "\(dry.stdout)")
        let rerun = try s.dbuild("all", "--backend", "slurm", "--wait", "--poll-interval", "1")
        #expect(rerun.status == 0, "\(rerun.stdout)\(rerun.stderr)")
        #expect(s.read("a/2.txt") == "product 2\n")
    }

    static func submissionCount(_ s: Scenario) -> Int { SlurmScenarioTests.submissions(s).count }
}

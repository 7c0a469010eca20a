import Foundation
import Testing
import Rules
import Targets
@testable import Backends
import TestSupport

/// A project on disk built through the engine and the SLURM backend against `FakeSlurm`.
final class SlurmBuild {
    let directory = TemporaryDirectory("dbuild-slurm")
    var graph: Graph
    let state: StateStore
    let slurm = FakeSlurm()
    var output: [String] = []

    init(_ fixture: GraphFixture) throws {
        graph = try fixture.graph()
        state = try StateStore(path: directory.path + "/state.db")
    }

    func run(onSlurm: Bool = true, wait: Bool = true) throws -> BuildSummary {
        let fileSystem = DiskFileSystem(root: directory.path)
        let scanner = StalenessScanner(graph: graph, statuses: FileStatusCache(graph: graph, fileSystem: fileSystem),
                                       hashes: ContentHashes(fileSystem: fileSystem, cache: try state.loadHashCache()),
                                       records: try state.loadRecords(), interrupted: try state.loadInterrupted(), forced: false)
        let reasons = try scanner.scan(needed: Array(repeating: true, count: graph.stepCount))
        let builder = Builder(graph: graph, plan: Plan(graph: graph, reasons: reasons), scanner: scanner, state: state)
        builder.say = { [weak self] in self?.output.append($0) }
        builder.quiet = true
        let backend: Backend
        if onSlurm {
            let slurmBackend = SlurmBackend(graph: graph, state: state, client: slurm, policy: SlurmPolicy(pollInterval: 0.01), wait: wait,
                                            projectRoot: directory.path, submissionsFolder: directory.path + "/.dbuild/slurm",
                                            dbuild: "/usr/bin/false")
            slurmBackend.quiet = true
            slurmBackend.say = { [weak self] in self?.output.append($0) }
            backend = slurmBackend
        } else {
            backend = LocalBackend(jobs: 2, cores: 2, memoryMB: 4096, workingDirectory: directory.path)
        }
        return try builder.run(on: backend, keepGoing: true, stop: StopSignal())
    }

    /// Every file under the folder but dbuild's own, with its bytes and mtime.
    func products() -> [String: String] {
        var result: [String: String] = [:]
        let enumerator = FileManager.default.enumerator(atPath: directory.path)!
        while let relative = enumerator.nextObject() as? String {
            if relative.hasPrefix(".dbuild") || relative.hasPrefix("logs") || relative.hasPrefix("state.db") { continue }
            let attributes = try? FileManager.default.attributesOfItem(atPath: directory.path + "/" + relative)
            guard attributes?[.type] as? FileAttributeType == .typeRegular else { continue }
            let mtime = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            result[relative] = "\(mtime) " + (directory.read(relative) ?? "")
        }
        return result
    }
}

/// Two realizations: plane → conversion → two ray-tracing runs each; one summary over all runs.
/// P/r<i> fails while the file `broken-r<i>` exists, and once if `flaky-r<i>` exists.
func twoRealizations(policy: Staleness = .hash, retries: Int = 0) -> GraphFixture {
    var f = GraphFixture()
    f.rule("P", parameters: ["r"], staleness: policy) { $0.batch.retries = retries }
    f.rule("C", parameters: ["r"], staleness: policy)
    f.rule("R", parameters: ["r", "run"], staleness: policy)
    f.rule("S", staleness: policy)
    for r in ["r1", "r2"] {
        f.step("P", [r], outputs: ["p/\(r).txt"], recipe: "if [ -f flaky-\(r) ]; then rm flaky-\(r); exit 3; fi; "
               + "[ -f broken-\(r) ] && { echo launch failed >&2; exit 127; }; echo plane \(r) > {output}")
        f.step("C", [r], inputs: ["p/\(r).txt"], outputs: ["c/\(r).txt"], recipe: "(cat {input}; echo converted) > {output}; echo {name} >> ran.log")
    }
    for r in ["r1", "r2"] {
        for run in ["1", "2"] {
            f.step("R", [r, run], inputs: ["c/\(r).txt"], outputs: ["rt/\(r)/\(run).txt"],
                   recipe: "(cat {input}; echo run \(run)) > {output}; echo {name} >> ran.log")
        }
    }
    f.step("S", inputs: ["r1", "r2"].flatMap { r in ["1", "2"].map { "rt/\(r)/\($0).txt" } }, outputs: ["summary.txt"],
           recipe: "cat {inputs} | wc -l > {output}; echo {name} >> ran.log")
    return f
}

@Suite struct SlurmBackendTests {
    @Test func aFailureBlocksOnlyWhatNeedsItAndTouchesNoProduct() throws {
        let build = try SlurmBuild(twoRealizations())
        #expect(try build.run().succeeded == 9)
        let before = build.products()
        try FileManager.default.removeItem(atPath: build.directory.path + "/p/r1.txt")
        try FileManager.default.removeItem(atPath: build.directory.path + "/p/r2.txt")
        try build.directory.write("broken-r1", "")
        let summary = try build.run()
        #expect(summary.failed == 1 && summary.failures == ["P/r1"], "\(build.output)")
        // The second realization's plane was remade identically: nothing after it ran (early cutoff in the task).
        #expect(summary.succeeded == 1 && summary.cutOff == 3, "\(summary)")
        #expect(summary.blocked == 4, "C/r1, R/r1/1, R/r1/2 and S: \(summary)")
        var after = build.products()
        after["broken-r1"] = nil
        var expected = before
        expected["p/r1.txt"] = nil
        expected["p/r2.txt"] = after["p/r2.txt"]
        #expect(after == expected, "every product that existed is still there, byte-identical, untouched")
        let blocked = try build.state.loadBlocked()
        #expect(Set(blocked.keys) == ["C/r1", "R/r1/1", "R/r1/2", "S"])
        #expect(blocked["C/r1"]?.blocker == "blocked by P/r1, which failed")
        #expect(try build.state.loadFailures()["P/r1"] != nil)
    }

    @Test func upstreamRemadeIdenticallyLetsTheArrayTasksSkipTheirSteps() throws {
        let build = try SlurmBuild(twoRealizations())
        _ = try build.run()
        let ranBefore = build.directory.read("ran.log")
        let before = build.products()
        try FileManager.default.removeItem(atPath: build.directory.path + "/p/r1.txt")
        let summary = try build.run()
        #expect(summary.succeeded == 1 && summary.cutOff == 4, "\(summary) \(build.output)")
        #expect(build.directory.read("ran.log") == ranBefore, "no downstream recipe ran")
        var after = build.products()
        after["p/r1.txt"] = before["p/r1.txt"]
        #expect(after == before)
        #expect(build.slurm.jobs.count == 4 + 4, "the dependents were submitted, and decided in their tasks")
        // Recorded up to date: nothing to do.
        #expect(try build.run().planned == 0)
    }

    @Test func aRetriedStepTakesItsBlockedDependentsWithIt() throws {
        let build = try SlurmBuild(twoRealizations(retries: 1))
        try build.directory.write("flaky-r1", "")
        let summary = try build.run()
        #expect(summary.failed == 0 && summary.succeeded == 9, "\(summary) \(build.output)")
        #expect(build.output.contains { $0.hasPrefix("retrying P/r1") }, "\(build.output)")
        #expect(build.directory.read("summary.txt")?.trimmingCharacters(in: .whitespacesAndNewlines) == "12", "4 runs × 3 lines")
        #expect(try build.state.loadBlocked().isEmpty, "the steps it blocked ran with its retry")
    }

    /// A plane's result is damaged after its task wrote it: its dependents, which cannot tell
    /// whether it succeeded, do not run; dbuild judges the plane by its product (sound: recorded),
    /// and resubmits them, and they complete.
    @Test func aDamagedResultUpstreamIsJudgedByItsProductAndItsDependentsRunAfterAll() throws {
        let build = try SlurmBuild(twoRealizations())
        build.slurm.damagesResultOf = ["P/r1"]
        let summary = try build.run()
        #expect(summary.failed == 0 && summary.succeeded == 9, "\(summary) \(build.output)")
        #expect(build.output.contains { $0.contains("cannot be read") && $0.contains("P/r1's products are present, sound") }, "\(build.output)")
        #expect(build.directory.read("c/r1.txt") == "plane r1\nconverted\n")
    }

    @Test func timeoutIsRetriedWithMoreTime() throws {
        var fixture = GraphFixture()
        fixture.rule("T", parameters: ["i"]) { rule in
            rule.resources.timeSeconds = 60
            rule.batch.retries = 1
            rule.batch.timeFactor = 2
        }
        fixture.step("T", ["1"], outputs: ["t1.txt"], recipe: "echo 1 > {output}")
        let build = try SlurmBuild(fixture)
        build.slurm.endsWithoutResult = ["T/1": "TIMEOUT"]
        let summary = try build.run()
        #expect(summary.succeeded == 1 && summary.failed == 0, "\(summary) \(build.output)")
        let scripts = build.slurm.jobs.map(build.slurm.scriptText)
        #expect(scripts.count == 2)
        #expect(scripts[0].contains("--time=00:01:00") && scripts[1].contains("--time=00:02:00"), "\(scripts)")
        #expect(build.output.contains { $0.contains("SLURM state TIMEOUT") }, "\(build.output)")
    }

    @Test func aTaskCancelledBeforeItStartedTouchesNothing() throws {
        let build = try SlurmBuild(twoRealizations())
        _ = try build.run()
        let before = build.products()
        try FileManager.default.removeItem(atPath: build.directory.path + "/p/r1.txt")
        build.slurm.endsWithoutResult = ["P/r1": "CANCELLED"]
        let summary = try build.run()
        #expect(summary.failed == 0 && summary.succeeded == 0, "\(summary)")
        var after = build.products()
        after["p/r1.txt"] = before["p/r1.txt"]
        #expect(after == before, "a cancelled, never-started step and the steps after it leave every file alone")
    }
}

@Suite struct SlurmPolicyTests {
    let rule: RuleDescription = {
        var r = RuleDescription(name: "R", line: 1, parameterNames: [])
        r.batch.retries = 2
        return r
    }()

    @Test func retriesWhileTheRuleAllowsWithGrowingBackoff() {
        let policy = SlurmPolicy(pollInterval: 30)
        let first = policy.retry(.finished(.exited(1)), rule: rule, attempt: 1, escalation: Escalation())
        let second = policy.retry(.finished(.exited(1)), rule: rule, attempt: 2, escalation: Escalation())
        #expect(first?.delay == 30 && second?.delay == 60)
        #expect(policy.retry(.finished(.exited(1)), rule: rule, attempt: 3, escalation: Escalation()) == nil)
    }

    @Test func timeoutAndMemoryEscalate() {
        let policy = SlurmPolicy(pollInterval: 1)
        let timeout = policy.retry(.endedByScheduler(state: "TIMEOUT", detail: ""), rule: rule, attempt: 1, escalation: Escalation())
        #expect(timeout?.escalation == Escalation(time: 1, memory: 0))
        let memory = policy.retry(.endedByScheduler(state: "OUT_OF_MEMORY", detail: ""), rule: rule, attempt: 1, escalation: Escalation(time: 1))
        #expect(memory?.escalation == Escalation(time: 1, memory: 1))
    }

    @Test func aTaskThatNeverStartedItsStepIsNeverAFailureThatTouchesFiles() {
        let dependency = TaskStatus(jobID: "7", task: 0, state: "CANCELLED", reason: "DependencyNeverSatisfied")
        if case .blocked = SlurmPolicy.end(of: dependency, started: false, jobTask: ArrayTaskID(job: "7", task: 0)) {} else { Issue.record("dependency cancel is a block") }
        let cancelled = TaskStatus(jobID: "7", task: 0, state: "CANCELLED", reason: "None")
        if case .notStarted = SlurmPolicy.end(of: cancelled, started: false, jobTask: ArrayTaskID(job: "7", task: 0)) {} else { Issue.record("a cancel before start") }
        let preempted = TaskStatus(jobID: "7", task: 0, state: "PREEMPTED", reason: "None")
        if case .preempted = SlurmPolicy.end(of: preempted, started: true, jobTask: ArrayTaskID(job: "7", task: 0)) {} else { Issue.record("preempted") }
        let timeout = TaskStatus(jobID: "7", task: 0, state: "TIMEOUT", reason: "TimeLimit")
        #expect(SlurmPolicy.end(of: timeout, started: true, jobTask: ArrayTaskID(job: "7", task: 0)) == .endedByScheduler(state: "TIMEOUT", detail: "TimeLimit"))
        if case .notStarted = SlurmPolicy.end(of: nil, started: false, jobTask: ArrayTaskID(job: "7", task: 0)) {} else { Issue.record("purged, never started") }
    }

    @Test func aControllerIsWaitedForWithinPatience() {
        var policy = SlurmPolicy(pollInterval: 1)
        policy.patienceWithTheController = 60
        #expect(policy.keepsWaiting(unansweredFor: 59))
        #expect(!policy.keepsWaiting(unansweredFor: 61))
    }
}

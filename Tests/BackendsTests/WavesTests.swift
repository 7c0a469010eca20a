import Foundation
import Testing
import Rules
import Targets
@testable import Backends
import TestSupport

/// Issue 12: a plan larger than what may be queued goes in waves.
@Suite struct WavesTests {
    /// Two rules, the second needing the first one to one: 300 + 300 steps.
    func stages(_ n: Int) throws -> Graph {
        var f = GraphFixture()
        f.rule("A", parameters: ["i"]) { $0.resources.timeSeconds = 3 * 3600 }
        f.rule("B", parameters: ["i"]) { $0.resources.timeSeconds = 3 * 3600 }
        for i in 0..<n {
            f.step("A", ["\(i)"], outputs: ["a/\(i)"])
            f.step("B", ["\(i)"], inputs: ["a/\(i)"], outputs: ["b/\(i)"])
        }
        return try f.graph()
    }

    @Test func aWaveIsAPrefixThatNeverNeedsAStepItLeavesOut() throws {
        let graph = try stages(300)
        let arrays = try ArrayPlanner.plan(graph: graph, steps: graph.topologicalOrder, limits: SlurmLimits(maxSubmitJobs: 100))
        #expect(arrays.reduce(0) { $0 + $1.tasks.count } == 600, "3-hour steps are not bundled")
        let (wave, deferred) = Waves.cut(arrays, room: 98)
        #expect(wave.reduce(0) { $0 + $1.tasks.count } == 98)
        let inWave = Set(wave.flatMap { $0.tasks.joined() })
        #expect(inWave.count + deferred.count == 600 && inWave.isDisjoint(with: deferred))
        for step in inWave {
            #expect(graph.dependencies(of: Int(step)).allSatisfy(inWave.contains), "\(graph.name(Int(step))) needs only steps of its wave")
        }
        // A later wave holds the rest, and the last one all that is left.
        let (second, rest) = Waves.cut(try ArrayPlanner.plan(graph: graph, steps: deferred, limits: SlurmLimits(maxSubmitJobs: 100)), room: 98)
        #expect(second.reduce(0) { $0 + $1.tasks.count } == 98 && rest.count == 600 - 196)
    }

    @Test func aSubmissionOverTheUsersLimitIsCutIntoAWaveAndThePlanShowsIt() throws {
        let graph = try stages(300)
        let context = SubmissionContext(id: "S", projectRoot: "/p", folder: "/p/s", dbuild: "/d")
        let submitter = try SlurmSubmitter(graph: graph, jobs: SlurmSubmitter.jobs(for: graph.topologicalOrder, in: graph),
                                           limits: SlurmLimits(maxSubmitJobs: 100), context: context)
        #expect(submitter.arrays.reduce(0) { $0 + $1.tasks.count } == 98, "the user's 100 jobs, less the continuation and the next one")
        #expect(submitter.deferred.count == 502)
        #expect(submitter.planText().contains("the other 502 steps follow in later waves"), "\(submitter.planText())")
        #expect(submitter.cost.requestedCoreHours == 600 * 3, "the cost is the whole plan's")
    }

    @Test func aWaitingDbuildSubmitsTheNextWaveWhenTheQueueHasRoom() throws {
        let build = try SlurmBuild(twoRealizations())
        build.slurm.limitsToReport = SlurmLimits(maxSubmitJobs: 3)
        let summary = try build.run()
        #expect(summary.succeeded == 9 && summary.failed == 0, "\(summary) \(build.output)")
        let submissions = Dictionary(grouping: build.slurm.jobs, by: \.folder)
        #expect(submissions.count == 2, "two waves: \(build.output)")
        for (_, jobs) in submissions {
            let tasks = jobs.reduce(0) { total, job in total + ((try? ArrayManifest.read(folder: job.folder, array: job.array))?.tasks.count ?? 0) }
            #expect(tasks <= 3, "never more than the user may queue")
        }
        #expect(build.output.contains { $0.contains("wait for room in the queue") }, "\(build.output)")
        #expect(build.directory.read("summary.txt")?.trimmingCharacters(in: .whitespacesAndNewlines) == "12")
    }

    @Test func withNobodyWaitingAContinuationJobWaitsForTheWholeWave() throws {
        let build = try SlurmBuild(twoRealizations())
        build.slurm.limitsToReport = SlurmLimits(maxSubmitJobs: 3)
        let summary = try build.run(wait: false)
        #expect(summary.deferred > 0 && summary.submitted + summary.deferred == 9, "\(summary)")
        let arrays = build.slurm.jobs.filter { $0.script != NextWave.scriptName() }
        let continuation = try #require(build.slurm.jobs.first { $0.script == NextWave.scriptName() })
        #expect(continuation.dependency == "--dependency=afterany:" + arrays.map(\.id).joined(separator: ":"))
        let next = try #require(NextWave.read(continuation.folder))
        #expect(next.wave == 1 && next.jobID == continuation.id && next.steps.count == summary.deferred)
        let submitted = Set(try build.state.loadSubmittedSteps().map(\.name))
        #expect(submitted.isDisjoint(with: next.steps), "a step is either submitted or left for the next wave")
        #expect(submitted.count == summary.submitted)
        let script = build.slurm.scriptText(continuation)
        #expect(script.contains("build --continue-wave \(continuation.folder)") && script.contains("--wait-lock"), "\(script)")
    }
}

extension WavesTests {
    /// A graph that grows: the continuation's description (what made the data, the chain's
    /// selection, when it began) survives the file, and an older file without them still reads.
    @Test func aContinuationOfAGrowingGraphIsDescribedInItsFile() throws {
        let folder = NSTemporaryDirectory() + "waves-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let next = NextWave(wave: 2, jobID: "77", steps: ["B/1"], grows: ["split"], targets: ["fit", "summary"], since: 1_796_000_000.5)
        try next.write(to: folder)
        #expect(NextWave.read(folder) == next)
        #expect(next.continuationTask == "evaluates the Datafile again once split has run and submits the steps declared from what it makes, "
                + "with the next 1 step")
        try "wave 1\njob 5\nsteps 1\n\nA/0\n".write(toFile: NextWave.path(folder), atomically: true, encoding: .utf8)
        #expect(NextWave.read(folder) == NextWave(wave: 1, jobID: "5", steps: ["A/0"]))
        #expect(NextWave.read(folder)?.continuationTask == "submits the next 1 step once this wave has ended")
    }
}

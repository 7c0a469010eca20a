import Foundation
import Testing
import Targets
@testable import Backends

/// Issue 17's pure logic: the finish summary judged from a real state file, a wave's file carrying the
/// chain and its on-finish command, and watchers sharing one answer of squeue.
@Suite struct FinishAndWatchTests {
    static func folder() throws -> String {
        let folder = NSTemporaryDirectory() + "finish-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    /// Only what happened since the build began counts: an old failure of a step that succeeded now is
    /// a success, an old success of a step that failed now is a failure, a step up to date without
    /// having run is unchanged (early cutoff), and one that is neither did not run.
    @Test func theSummaryCountsWhatHappenedSinceTheBuildBegan() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let state = try StateStore(path: folder + "/state.db")
        let began = 1_796_000_000.0
        try state.recordSuccess("ok", StepRecord(signature: 1, finishedAt: began + 5))
        try state.recordFailure("ok", FailureRecord(exitStatus: 1, logPath: "logs/ok.log", message: "old", failedAt: began - 100))
        try state.recordSuccess("broke", StepRecord(signature: 2, finishedAt: began - 100))
        try state.recordFailure("broke", FailureRecord(exitStatus: 2, logPath: "logs/broke.log", message: "failed (exit status 2)", failedAt: began + 3))
        try state.recordBlocked([("waits", "broke failed")], at: began + 4)
        try state.recordBlocked([("oldblock", "long ago")], at: began - 100)
        try state.recordSuccess("oldblock", StepRecord(signature: 3, finishedAt: began - 50))
        var summary = FinishSummary(project: "/p", backend: "local", startedAt: began, endedAt: began + 10)
        try summary.judge(["ok", "broke", "waits", "oldblock", "unknown"], state: state, upToDate: ["ok", "oldblock"])
        #expect(summary.steps == 5 && summary.succeeded == 1 && summary.failed == 1 && summary.blocked == 1
                && summary.unchanged == 1 && summary.notRun == 1)
        #expect(summary.outcome == "failed")
        #expect(summary.failures == [.init(step: "broke", message: "failed (exit status 2)", log: "logs/broke.log")])
        #expect(summary.blockedSteps == [.init(step: "waits", blocker: "broke failed")])
        #expect(summary.line == "dbuild /p: failed — 1 of 5 steps succeeded, 1 failed, 1 blocked, 1 unchanged, 1 did not run")
        #expect(summary.environment["DBUILD_FAILED"] == "1" && summary.environment["DBUILD_OUTCOME"] == "failed")
        let decoded = try JSONDecoder().decode(FinishSummary.self, from: Data(summary.json().utf8))
        #expect(decoded == summary && summary.json().contains("\"schema\" : \"dbuild.finish/1\""))

        // Nothing failed, but a step neither ran nor is up to date (cancelled): incomplete, not succeeded.
        var cancelled = FinishSummary(project: "/p", backend: "slurm", startedAt: began)
        try cancelled.judge(["ok", "unknown"], state: state, upToDate: ["ok"])
        #expect(cancelled.outcome == "incomplete" && cancelled.succeeded == 1 && cancelled.notRun == 1)
        // Without knowing what is up to date (no graph), the same steps: still not "succeeded".
        var blind = FinishSummary(project: "/p", backend: "slurm", startedAt: began)
        try blind.judge(["ok", "oldblock"], state: state)
        #expect(blind.outcome == "incomplete" && blind.succeeded == 1 && blind.notRun == 1)
    }

    /// The command a continuation must run at the chain's end survives the wave file whatever it holds.
    @Test func aWaveCarriesTheChainAndItsCommand() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let command = "curl -d @- 'https://x/hook?a=1' # \"quoted\"\nsecond line"
        let next = NextWave(wave: 2, steps: ["B/1"], since: 5, chain: ["s1", "s2"], onFinish: command)
        try next.write(to: folder)
        #expect(NextWave.read(folder) == next)
        let job = FinishJob(command: command, submissions: ["s1", "s2"], since: 5)
        try job.write(to: folder)
        #expect(FinishJob.read(folder) == job)
    }

    final class CountingQueue: SlurmCommands {
        var calls = 0
        func limits() throws -> SlurmLimits { SlurmLimits() }
        func submit(script: String, dependency: String?, comment: String, in directory: String) throws -> String { "1" }
        func queue() throws -> [(status: TaskStatus, comment: String)] {
            calls += 1
            return [(TaskStatus(jobID: "7", task: 1, state: "RUNNING"), "dbuild:s:0")]
        }
        func jobDetails(_ jobID: String) throws -> [TaskStatus] { [] }
        func cancel(_ jobIDs: [String]) throws {}
    }

    @Test func watchersShareOneAnswerWithinTheirInterval() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let client = CountingQueue()
        let file = folder + "/squeue.json"
        let first = SharedQueue(client: client, file: file, maxAge: 10, notBefore: 0)
        #expect(try first.queue().map(\.status.jobID) == ["7"])
        _ = try first.queue()
        #expect(client.calls == 1, "one process asks once")
        let second = SharedQueue(client: client, file: file, maxAge: 10, notBefore: 0)
        let shared = try second.queue()
        #expect(client.calls == 1 && shared.first?.status == TaskStatus(jobID: "7", task: 1, state: "RUNNING") && shared.first?.comment == "dbuild:s:0")
        // A submission made after the answer: its jobs would be missing, so the queue is asked again.
        _ = try SharedQueue(client: client, file: file, maxAge: 10, notBefore: Date().timeIntervalSince1970 + 5).queue()
        #expect(client.calls == 2)
        // Without sharing (a single status), every process asks.
        _ = try SharedQueue(client: client, file: file, maxAge: 0, notBefore: 0).queue()
        #expect(client.calls == 3)
    }
}

/// The streamed JSON of a ten-million-step plan is byte for byte what JSONEncoder prints, awkward
/// characters included.
@Suite struct StreamedJSONTests {
    struct Item: Codable { var name: String; var count: Int?; var flag: Bool }
    struct Document: Codable { var schema = "x/1"; var items: [Item]; var total: Int }

    @Test func streamingMatchesTheEncoder() {
        let items = [Item(name: "plain/path", count: 3, flag: true),
                     Item(name: "quote \" back\\slash\nnew\ttab\u{01}\u{1F} é ✓ 🚀", count: nil, flag: false),
                     Item(name: "", count: -7, flag: true)]
        let whole = JSONOutput.text(Document(items: items, total: 3)) + "\n"
        var streamed = ""
        JSONOutput.printStreaming(Document(items: [], total: 3), key: "items", count: items.count, element: { i in
            [("name", .string(items[i].name)), ("count", items[i].count.map { .int($0) }), ("flag", .bool(items[i].flag))]
        }, to: { streamed += $0 })
        #expect(streamed == whole)
        var empty = ""
        JSONOutput.printStreaming(Document(items: [], total: 0), key: "items", count: 0, element: { _ in [] }, to: { empty += $0 })
        #expect(empty == JSONOutput.text(Document(items: [], total: 0)) + "\n")
    }
}

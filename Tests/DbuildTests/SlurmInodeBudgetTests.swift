import Foundation
import Testing
import Backends
import Targets

/// Issue 16 on the real local SLURM: one append-only result file per array task (not one per step),
/// logs packed per task, earlier results readable after a task is killed, a requeued task appending,
/// and `dbuild state gc` removing only what no job still needs.
@Suite(.serialized) struct SlurmInodeBudgetTests {
    init() throws {
        try #require(try runTool("/bin/sh", ["-c", "sinfo -h -o %T"]).status == 0,
                     "SLURM is not running: start it with scripts/slurm-local.sh start")
    }

    static func wait(_ seconds: Double, until ready: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while !ready() && Date() < deadline { usleep(200_000) }
        return ready()
    }

    /// The array job of `rule` that this scenario submitted (other suites' rules share names; the
    /// working folder tells them apart).
    static func jobOf(_ rule: String, in s: Scenario) throws -> String {
        let folder = URL(fileURLWithPath: s.path).resolvingSymlinksInPath().path
        let lines = try runTool("/bin/sh", ["-c", "squeue -h -o '%F %Z' --name=dbuild:\(rule)"]).output.split(separator: "\n")
        for line in lines {
            let fields = line.split(separator: " ", maxSplits: 1).map(String.init)
            if fields.count == 2, URL(fileURLWithPath: fields[1]).resolvingSymlinksInPath().path == folder { return fields[0] }
        }
        return ""
    }

    static func inQueue(_ job: String, task: Int) throws -> Bool {
        !(try runTool("/bin/sh", ["-c", "squeue -h -j \(job)_\(task) -o %T 2>/dev/null"]).output
            .trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
    }

    /// 12 steps bundled 4 to a task. Task 1 is requeued by hand while its second step runs: SLURM
    /// runs it again, and it appends to its result file (what was there stays byte for byte) and skips
    /// the step it had finished. In task 2 the second step's recipe SIGKILLs `dbuild exec`: the
    /// first step's result stays readable and is recorded; the killed step is a failure whose
    /// files nobody else touched; the steps after it never started and run in the next submission.
    @Test func oneResultFilePerTaskSurvivesAKillAndARequeueAppends() throws {
        let exclusive = SlurmExclusive()            // no preemption from another test rewrites these tasks' history
        defer { exclusive.release() }
        let s = try Scenario("empty")
        try s.write("Datafile", """
            import Rules
            Rule("B", over: ["i": 0..<12]) { s in
                s.outputs = ["b/\\(s.i).txt"]
                s.recipe = "sh step.sh {i} {output}"
            }
            .slurm(stepsPerTask: 4)
            defaultBackend(.slurm)
            """)
        try s.write("step.sh", """
            echo "log of $1"
            if [ "$1" = 5 ] && [ ! -e requeued.flag ]; then echo running > b5.started; sleep 60; fi
            if [ "$1" = 9 ] && [ ! -e killed.flag ]; then
              touch killed.flag
              p=$$; while [ "$p" -gt 1 ] && [ "$(cat /proc/$p/comm)" != dbuild ]; do p=$(cut -d' ' -f4 /proc/$p/stat); done
              kill -9 "$p"; sleep 2
            fi
            echo "$1" > "$2"
            """)
        let submit = try s.dbuild("all")
        #expect(submit.status == 0, "\(submit.stdout)\(submit.stderr)")
        let submission = try #require(SlurmScenarioTests.submissions(s).first)
        let results = ".dbuild/slurm/\(submission)/results"
        let job = try Self.jobOf("B", in: s)
        try #require(!job.isEmpty, "the array is queued")
        try #require(Self.wait(60) { s.exists("b5.started") }, "B/5 started")
        let beforeRequeue = try #require(s.read(results + "/0.1.jsonl"))
        #expect(beforeRequeue.contains("\"position\":0,\"result\"") && beforeRequeue.contains("\"position\":1,\"started\""), "\(beforeRequeue)")
        try s.write("requeued.flag", "")
        #expect(try runTool("/bin/sh", ["-c", "scontrol requeue \(job)_1"]).status == 0)
        let requeuedDone = Self.wait(150) {
            let text = s.read(results + "/0.1.jsonl") ?? ""
            return text.contains("\"position\":3,\"result\"") && (try? Self.inQueue(job, task: 1)) == false
                && (try? Self.inQueue(job, task: 0)) == false && (try? Self.inQueue(job, task: 2)) == false
        }
        try #require(requeuedDone, "the requeued task finished: \(s.read(results + "/0.1.jsonl") ?? "")")

        // One file per task, no file per step.
        let files = try FileManager.default.contentsOfDirectory(atPath: s.path + "/" + results).sorted()
        #expect(files == ["0.0.jsonl", "0.1.jsonl", "0.2.jsonl"], "\(files)")
        let afterRequeue = try #require(s.read(results + "/0.1.jsonl"))
        #expect(afterRequeue.hasPrefix(beforeRequeue), "the requeued task appended; nothing it wrote before was rewritten")
        let task1 = TaskResults.read(s.path + "/" + results + "/0.1.jsonl")
        #expect((0..<4).allSatisfy { task1.results[$0]?.succeeded == true }, "\(afterRequeue)")
        #expect(afterRequeue.components(separatedBy: "\"position\":0,\"started\"").count == 2, "B/4 finished before the requeue and was not run again")
        let task2 = TaskResults.read(s.path + "/" + results + "/0.2.jsonl")
        #expect(task2.results[0]?.succeeded == true, "the result written before the kill is readable")
        #expect(task2.started[1] != nil && task2.results[1] == nil, "the killed step started and has no result")
        #expect(task2.results[2] == nil && task2.started[2] == nil, "the steps after it never started")
        let packs = try FileManager.default.contentsOfDirectory(atPath: s.path + "/logs/packs").sorted()
        #expect(packs == (0..<3).flatMap { ["slurm-\(submission)-0.\($0).index", "slurm-\(submission)-0.\($0).pack"] }, "\(packs)")

        let status = try s.dbuild("status")
        #expect(status.stdout.contains("B/9: ended in SLURM state"), "\(status.stdout)")
        let finish = try s.dbuild("all", "--wait", "--poll-interval", "1")
        #expect(finish.status == 0, "\(finish.stdout)\(finish.stderr)")
        #expect(finish.stdout.contains("submitted 3 steps"), "B/9 and the two after it: \(finish.stdout)")
        for i in 0..<12 {
            #expect(s.read("b/\(i).txt") == "\(i)\n")
            let log = try s.dbuild("log", "B/\(i)")
            #expect(log.stdout == "log of \(i)\n", "B/\(i): \(log.stdout)")
        }
        #expect(try s.dbuild("log", "B/9", "--all").stdout.components(separatedBy: "log of 9").count == 3,
                "the killed attempt's log is kept as an earlier attempt")
        let plainLogs = try FileManager.default.subpathsOfDirectory(atPath: s.path + "/logs").filter { $0.hasSuffix(".log") }
        #expect(plainLogs.isEmpty, "every log of a step that succeeded is packed: \(plainLogs)")
    }

    /// Three submissions: S1 settled long ago; S2's step P ran, is ingested and settled, but S3 (still
    /// out) has a step that needs P's result; S3 itself is running. `dbuild state gc` removes S1
    /// only: S2 because a step still out reads its results, S3 because it runs.
    @Test func stateGCRemovesSettledSubmissionsOnly() throws {
        let s = try Scenario("empty")
        try s.write("Datafile", """
            import Rules
            Rule("A") { s in
                s.outputs = ["a.txt"]
                s.recipe = "echo a > {output}"
            }
            Rule("P") { s in
                s.outputs = ["p.txt"]
                s.recipe = "sleep 6; echo p > {output}"
            }
            Rule("Q") { s in
                s.inputs = ["p.txt"]
                s.outputs = ["q.txt"]
                s.recipe = "sleep 15; cat {input} > {output}"
            }
            defaultBackend(.slurm)
            """)
        #expect(try s.dbuild("A", "--wait", "--poll-interval", "1").status == 0)
        let s1 = try #require(SlurmScenarioTests.submissions(s).first)
        #expect(!s.exists(".dbuild/slurm/\(s1)/results"), "a settled submission's results were folded into the state and compacted away")
        #expect(s.exists(".dbuild/slurm/\(s1)/submit.sh"), "its scripts are kept")
        Waiting.untilTheNextSecond()                                // submission folders are named by the second
        #expect(try s.dbuild("P").status == 0)
        Waiting.untilTheNextSecond()
        #expect(try s.dbuild("all").status == 0, "Q submitted, chained onto P in flight")
        let all = SlurmScenarioTests.submissions(s).sorted()
        try #require(all.count == 3, "\(all)")
        let (s2, s3) = (all[1], all[2])
        #expect(s.read(".dbuild/slurm/\(s3)/array-0.json")?.contains("/.dbuild/slurm/\(s2)/results/") == true, "Q reads P's result in S2")
        try #require(Self.wait(60) { s.exists("p.txt") && s.read(".dbuild/slurm/\(s2)/results/0.0.jsonl")?.contains("\"result\"") == true })
        _ = try s.dbuild("status")                                  // ingests P: S2 settled
        // What SLURM itself wrote for S1's task (a notice: its tasks remove their output when empty).
        let jobA = try #require(try StateStore(path: s.path + "/.dbuild/state.db", readOnly: true).loadSubmittedArrays(submission: s1).first?.jobID)
        try s.write("logs/A/slurm-\(jobA)_0.out", "slurmstepd: a notice\n")
        let gc = try s.dbuild("state", "gc")
        #expect(gc.status == 0, "\(gc.stdout)\(gc.stderr)")
        #expect(gc.stdout.contains("removed 1 settled submission"), "\(gc.stdout)")
        #expect(gc.stdout.contains("kept \(s2): a step of submission \(s3) still out needs one of its results"), "\(gc.stdout)")
        #expect(!s.exists(".dbuild/slurm/\(s1)"), "S1 removed")
        #expect(!s.exists("logs/A/slurm-\(jobA)_0.out"), "and SLURM's own output of its task")
        #expect(s.exists(".dbuild/slurm/\(s2)/results/0.0.jsonl"), "S2's results kept for Q")
        #expect(s.exists(".dbuild/slurm/\(s3)/array-0.json"), "S3 untouched")
        let finish = try s.dbuild("all", "--wait", "--poll-interval", "1")
        #expect(finish.status == 0, "\(finish.stdout)\(finish.stderr)")
        #expect(s.read("q.txt") == "p\n", "Q found P's result and ran")
        let last = try s.dbuild("state", "gc")
        #expect(last.stdout.contains("removed 2 settled submissions"), "\(last.stdout)")
        #expect(SlurmScenarioTests.submissions(s).isEmpty)
        #expect(try s.dbuild("all", "-n").stdout.hasPrefix("Nothing to do"), "the records outlive the folders")
    }
}

import Foundation
import Testing
import TestSupport

/// Issue 12: a busy controller is not a failure. Wrappers ahead of SLURM's own commands on PATH
/// make `sbatch` and `squeue` fail as a busy production controller does, or hang while dbuild is
/// killed; the real local SLURM does the rest.
@Suite(.serialized) struct SlurmBusyControllerTests {
    init() throws {
        try #require(try runTool("/bin/sh", ["-c", "sinfo -h -o %T"]).status == 0,
                     "SLURM is not running: start it with scripts/slurm-local.sh start")
    }

    /// A chain of three rules whose recipes log each start.
    static func project() throws -> Scenario {
        let s = try Scenario("empty")
        try s.write("Datafile", """
            import Rules
            Rule("A", over: ["i": 1...2]) { s in
                s.outputs = ["a/\\(s.i).txt"]
                s.recipe = "echo {name} >> starts.log; echo {i} > {output}"
            }
            Rule("B", over: ["i": 1...2]) { s in
                s.inputs = s.outputs(of: "A/\\(s.i)")
                s.outputs = ["b/\\(s.i).txt"]
                s.recipe = "echo {name} >> starts.log; cat {input} > {output}"
            }
            Rule("C") { s in
                s.inputs = s.outputs(of: "B")
                s.outputs = ["c.txt"]
                s.recipe = "echo {name} >> starts.log; cat {inputs} > {output}"
            }
            defaultBackend(.slurm)
            """)
        return s
    }

    /// A wrapper for `command` that does `onCall` on the given call (counted in a file) and runs the
    /// real command otherwise.
    static func wrap(_ command: String, in folder: TemporaryDirectory, call: Int, doing onCall: String) throws {
        let real = try runTool("/bin/sh", ["-c", "command -v \(command)"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        try folder.write(command, """
            #!/bin/sh
            n=$(cat "\(folder.path)/\(command)-calls" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "\(folder.path)/\(command)-calls"
            if [ $n = \(call) ]; then \(onCall); fi
            exec \(real) "$@"
            """)
        chmod(folder.path + "/" + command, 0o755)
    }

    static func starts(_ s: Scenario) -> [String] {
        (s.read("starts.log") ?? "").split(separator: "\n").map(String.init)
    }

    @Test func transientRefusalsAreRetriedAndNothingIsSubmittedTwice() throws {
        let s = try Self.project()
        let wrappers = TemporaryDirectory("dbuild-wrappers")
        try Self.wrap("sbatch", in: wrappers, call: 2,
                      doing: "echo 'sbatch: error: Batch job submission failed: Socket timed out on send/recv operation' >&2; exit 1")
        try Self.wrap("squeue", in: wrappers, call: 1,
                      doing: "echo 'squeue: error: slurm_load_jobs error: Socket timed out on send/recv operation' >&2; exit 1")
        let path = wrappers.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let run = try s.run(["all", "--wait", "--poll-interval", "1"], environment: ["PATH": path, "DBUILD_SLURM_PATIENCE": "60"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stderr.contains("slurm: sbatch did not get through (sbatch: error: Batch job submission failed: Socket timed out"),
                "\(run.stderr)")
        #expect(run.stderr.contains("slurm: squeue did not get through"), "\(run.stderr)")
        #expect(Self.starts(s).sorted() == ["A/1", "A/2", "B/1", "B/2", "C"], "each step ran once: \(Self.starts(s))")
        #expect(wrappers.read("sbatch-calls") == "4\n", "3 arrays, one of them tried twice")
        #expect(try s.dbuild("verify").status == 0)
    }

    @Test func aSubmissionKilledBetweenTwoArraysIsCompletedByTheNextCommand() throws {
        let s = try Self.project()
        let wrappers = TemporaryDirectory("dbuild-wrappers")
        try Self.wrap("sbatch", in: wrappers, call: 2, doing: "echo $$ > \(wrappers.path)/hung; exec sleep 60")
        let path = wrappers.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let first = try s.launch("all", environment: ["PATH": path]) { wrappers.exists("hung") }
        #expect(wrappers.exists("hung"), "dbuild reached its second sbatch")
        kill(first.processIdentifier, SIGKILL)
        if let pid = wrappers.read("hung").flatMap({ Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) { kill(pid, SIGKILL) }
        first.waitUntilExit()
        let rest = try s.dbuild("all", "--wait", "--poll-interval", "1")
        #expect(rest.status == 0, "\(rest.stdout)\(rest.stderr)")
        #expect(Self.starts(s).sorted() == ["A/1", "A/2", "B/1", "B/2", "C"], "the first array ran once, the rest once: \(Self.starts(s))")
        #expect(rest.stdout.contains("submitted 3 steps"), "exactly the rest: \(rest.stdout)")
        #expect(try s.dbuild("verify").status == 0)
    }
}

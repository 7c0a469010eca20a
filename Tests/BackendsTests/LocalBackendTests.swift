import Foundation
import Testing
import Rules
import Targets
@testable import Backends
import TestSupport

/// Builds a fixture graph in a real folder with real processes and a real SQLite state file.
final class DiskBuild {
    let directory = TemporaryDirectory("dbuild-local")
    let graph: Graph
    let state: StateStore
    var output: [String] = []

    init(_ fixture: GraphFixture) throws {
        graph = try fixture.graph()
        state = try StateStore(path: directory.path + "/state.db")
    }

    func run(jobs: Int = 2, cores: Int = 2, keepGoing: Bool = false, stop: StopSignal = StopSignal()) throws -> BuildSummary {
        let fileSystem = DiskFileSystem(root: directory.path)
        let scanner = StalenessScanner(graph: graph, statuses: FileStatusCache(graph: graph, fileSystem: fileSystem),
                                       hashes: ContentHashes(fileSystem: fileSystem, cache: [:]),
                                       records: try state.loadRecords(), interrupted: try state.loadInterrupted(), forced: false)
        let reasons = try scanner.scan(needed: Array(repeating: true, count: graph.stepCount))
        let builder = Builder(graph: graph, plan: Plan(graph: graph, reasons: reasons), scanner: scanner, state: state)
        builder.say = { [weak self] in self?.output.append($0) }
        let backend = LocalBackend(jobs: jobs, cores: cores, memoryMB: 4096, workingDirectory: directory.path)
        backend.gracePeriod = 1
        return try builder.run(on: backend, keepGoing: keepGoing, stop: stop)
    }

    /// (start, end) nanosecond stamps a timing recipe wrote into `path`.
    func interval(_ path: String) -> (Int, Int) {
        let numbers = (directory.read(path) ?? "").split(separator: "\n").compactMap { Int($0) }
        return (numbers[0], numbers[1])
    }
}

private let timingRecipe = "date +%s%N > {output}; sleep 0.4; date +%s%N >> {output}"

private func twoTimedSteps(cpus: Int = 1) -> GraphFixture {
    var f = GraphFixture()
    f.rule("T", parameters: ["i"]) { $0.resources.cpus = cpus }
    f.step("T", ["a"], outputs: ["a.txt"], recipe: timingRecipe)
    f.step("T", ["b"], outputs: ["b.txt"], recipe: timingRecipe)
    return f
}

private func overlap(_ x: (Int, Int), _ y: (Int, Int)) -> Bool { x.0 < y.1 && y.0 < x.1 }

@Suite struct LocalBackendTests {
    @Test func runsIndependentStepsAtTheSameTimeWithTwoJobs() throws {
        let build = try DiskBuild(twoTimedSteps())
        let summary = try build.run(jobs: 2)
        #expect(summary.succeeded == 2)
        #expect(overlap(build.interval("a.txt"), build.interval("b.txt")))
    }

    @Test func runsOneAtATimeWithOneJob() throws {
        let build = try DiskBuild(twoTimedSteps())
        _ = try build.run(jobs: 1)
        #expect(!overlap(build.interval("a.txt"), build.interval("b.txt")))
    }

    @Test func neverRunsMoreDeclaredCPUsThanTheMachineHas() throws {
        let build = try DiskBuild(twoTimedSteps(cpus: 2))
        _ = try build.run(jobs: 2, cores: 2)
        #expect(!overlap(build.interval("a.txt"), build.interval("b.txt")))
    }

    @Test func recipesRunInTheProjectFolderWithTheirStepNameAndLogOutput() throws {
        var f = GraphFixture()
        f.rule("E", parameters: ["x"])
        f.step("E", ["one two"], outputs: ["out/e.txt"], recipe: "pwd > {output}; echo \"$DBUILD_STEP\" >> {output}; echo to-the-log")
        let build = try DiskBuild(f)
        _ = try build.run()
        let real = URL(fileURLWithPath: build.directory.path).resolvingSymlinksInPath().path
        #expect(build.directory.read("out/e.txt") == "\(real)\nE/one two\n")
        #expect(build.directory.read("logs/E/one two.log") == "to-the-log\n")
    }

    @Test func failedRecipeLosesItsOutputsAndIsRecordedWithItsLog() throws {
        var f = GraphFixture()
        f.rule("F")
        f.step("F", outputs: ["f.txt"], recipe: "echo partial > {output}; echo 'disk quota exceeded' >&2; exit 3")
        let build = try DiskBuild(f)
        let summary = try build.run()
        #expect(summary.failed == 1)
        #expect(!build.directory.exists("f.txt"))
        let failure = try #require(try build.state.loadFailures()["F"])
        #expect(failure.exitStatus == 3)
        #expect(failure.logPath == "logs/F/F.log")
        #expect(build.output.joined().contains("disk quota exceeded"))
    }

    @Test func recipePastItsTimeLimitIsStoppedAndFails() throws {
        var f = GraphFixture()
        f.rule("H") { $0.resources.timeSeconds = 1 }
        f.step("H", outputs: ["h.txt"], recipe: "echo partial > {output}; sleep 30")
        let build = try DiskBuild(f)
        let started = Date()
        let summary = try build.run()
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(summary.failed == 1)
        #expect(!build.directory.exists("h.txt"))
        #expect(build.output.joined().contains("time limit"))
    }

    @Test func stopRequestEndsRunningRecipesRemovesTheirOutputsAndKeepsFinishedWork() throws {
        var f = GraphFixture()
        f.rule("Q", parameters: ["i"])
        f.step("Q", ["fast"], outputs: ["fast.txt"], recipe: "echo done > {output}")
        f.step("Q", ["slow"], outputs: ["slow.txt"], recipe: "echo partial > {output}; sleep 30; echo done >> {output}")
        let build = try DiskBuild(f)
        let stop = StopSignal()
        DispatchQueue.global().asyncAfter(deadline: .now() + 1) { stop.set() }
        let started = Date()
        let summary = try build.run(jobs: 2, stop: stop)
        #expect(summary.interrupted)
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(build.directory.read("fast.txt") == "done\n")
        #expect(!build.directory.exists("slow.txt"))
        let records = try build.state.loadRecords()
        #expect(records["Q/fast"] != nil)
        #expect(records["Q/slow"] == nil)
        #expect(try build.state.loadInterrupted().isEmpty)
    }

    @Test func recipeKilledByASignalIsAFailure() throws {
        var f = GraphFixture()
        f.rule("K")
        f.step("K", outputs: ["k.txt"], recipe: "echo partial > {output}; kill -9 $$")
        let build = try DiskBuild(f)
        let summary = try build.run()
        #expect(summary.failed == 1)
        #expect(build.output.joined().contains("signal 9"))
        #expect(!build.directory.exists("k.txt"))
    }
}

@Suite struct LaunchTests {
    @Test func ruleWithSeveralTasksRunsItsRecipeOncePerTaskUnderMpirun() throws {
        var f = GraphFixture()
        f.rule("M") { $0.resources.tasksPerNode = 2 }
        f.step("M", outputs: ["rank0.txt", "rank1.txt"], recipe: "echo hello > rank$OMPI_COMM_WORLD_RANK.txt")
        let build = try DiskBuild(f)
        let summary = try build.run()
        #expect(summary.succeeded == 1, "\(build.output)")
        #expect(build.directory.read("rank0.txt") == "hello\n")
        #expect(build.directory.read("rank1.txt") == "hello\n")
    }

    @Test func launchersWrapOnlyMultiTaskRules() {
        var r = Resources()
        #expect(Launch.local("run x", r) == "run x")
        r.nodes = 2
        r.tasksPerNode = 4
        var defaults = MachineDefaults()
        defaults.localLauncher = "mpiexec"
        defaults.slurmLauncher = "srun --mpi=pmix"
        #expect(Launch.local("run 'x'", r, defaults: defaults) == "mpiexec -np 8 /bin/sh -c 'run '\\''x'\\'''")
        #expect(Launch.slurm("run x", r, defaults: defaults) == "srun --mpi=pmix /bin/sh -c 'run x'")
        #expect(Launch.localCPUs(r) == 8)
    }

    @Test func machineDefaultsFillWhatARuleLeavesOut() {
        let d = MachineDefaults.parse("""
            # this cluster
            slurm.account = astro   # billed here
            slurm.partition=gen
            unknown.key = 1
            """)
        #expect(d.account == "astro" && d.partition == "gen" && d.qos == nil)
        var r = Resources()
        r.partition = "debug"
        let applied = d.apply(to: r)
        #expect(applied.account == "astro" && applied.partition == "debug")
    }
}

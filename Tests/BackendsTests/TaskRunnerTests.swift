import Foundation
import Basics
import Testing
@testable import Backends
import TestSupport

@Suite struct TaskRunnerTests {
    private func manifest(root: String) -> ArrayManifest {
        func step(_ name: String, _ command: String, _ output: String) -> TaskStep {
            TaskStep(name: name, command: command, outputs: [output], log: "logs/R/\(name.split(separator: "/").last!).log",
                     keepOutputs: false, signature: "abc")
        }
        return ArrayManifest(submission: "S", projectRoot: root, array: 0, rule: "R", tasks: [
            [step("R/1", "echo one > out/1.txt", "out/1.txt"), step("R/2", "echo half > out/2.txt; exit 5", "out/2.txt")],
            [step("R/3", "true", "out/3.txt")],
        ])
    }

    @Test func bundleRunsEveryStepAndWritesOneResultEach() throws {
        let project = TemporaryDirectory()
        let folder = project.path + "/.dbuild/slurm/S"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try manifest(root: project.path).write(to: folder)
        let status = try TaskRunner.run(submission: folder, array: 0, task: 0, stop: StopSignal())
        #expect(status == 1, "one step of the bundle failed")
        let results = Dictionary(uniqueKeysWithValues: StepResult.readAll(from: folder).results.map { ($0.name, $0) })
        #expect(results["R/1"]?.succeeded == true)
        #expect(results["R/2"]?.exitStatus == 5)
        #expect(project.read("out/1.txt") == "one\n")
        #expect(!project.exists("out/2.txt"), "a failed step's output is removed on the compute node")
        let none = try TaskRunner.run(submission: folder, array: 0, task: 1, stop: StopSignal())
        #expect(none == 1)
        #expect(StepResult.readAll(from: folder).results.first { $0.name == "R/3" }?.missingOutputs == ["out/3.txt"])
    }

    @Test func unknownTaskIsAnError() throws {
        let project = TemporaryDirectory()
        try manifest(root: project.path).write(to: project.path)
        #expect(throws: SpawnError.self) { try TaskRunner.run(submission: project.path, array: 0, task: 7, stop: StopSignal()) }
    }
}

@Suite struct ManifestJSONTests {
    /// The hand-written JSON reads back through JSONDecoder exactly, awkward text included.
    @Test func manifestRoundTripsThroughJSONDecoder() throws {
        var awkward = TaskStep(name: "R/\"quoted\"\\back", command: "printf 'a\tb\\n' | awk '{print $1}'\n# ünïcödé \u{1}",
                               outputs: ["out/1.txt", "out/ü.txt"], log: "logs/R/1.log", keepOutputs: true, signature: "ffeeddccbbaa0099")
        awkward.attempt = 3
        awkward.previousExit = "failed (exit status 7)"
        awkward.inputs = ["in/a", "in/b"]
        awkward.needs = [NeededResult(name: "P/1", result: "/p/.dbuild/slurm/S/results/0.0.0.json")]
        awkward.cutoff = CutoffCheck(inputHashes: [0, UInt64.max, 12_345_678_901_234_567_890])
        awkward.minimumBytes = 1024
        var mtimeRule = awkward
        mtimeRule.cutoff = CutoffCheck(inputHashes: nil)
        let plain = TaskStep(name: "R/2", command: "true", outputs: [], log: "l", keepOutputs: false, signature: "0")
        let manifest = ArrayManifest(submission: "S", projectRoot: "/p", array: 4, rule: "R", tasks: [[awkward, plain], [mtimeRule], []],
                                     parallel: 16)
        let decoded = try JSONDecoder().decode(ArrayManifest.self, from: Data(manifest.jsonBytes()))
        #expect(decoded == manifest)
    }
}

@Suite struct TaskFarmTests {
    /// `.slurm(parallel: 4)`: a task's 4 steps run at once; the one that fails is the only failure,
    /// and only its own output is removed.
    @Test func aFarmRunsItsStepsAtOnceAndFailuresStayPerStep() throws {
        let project = TemporaryDirectory()
        let folder = project.path + "/.dbuild/slurm/S"
        func step(_ i: Int) -> TaskStep {
            TaskStep(name: "F/\(i)", command: "date +%s%N > {o}; sleep 0.6; date +%s%N >> {o}".replacingOccurrences(of: "{o}", with: "out/\(i).txt")
                        + (i == 2 ? "; exit 3" : ""),
                     outputs: ["out/\(i).txt"], log: "logs/F/\(i).log", keepOutputs: false, signature: "0")
        }
        try ArrayManifest(submission: "S", projectRoot: project.path, array: 0, rule: "F", tasks: [(0..<4).map(step)], parallel: 4)
            .write(to: folder)
        let started = Date()
        let status = try TaskRunner.run(submission: folder, array: 0, task: 0, stop: StopSignal(), say: { _ in })
        let elapsed = Date().timeIntervalSince(started)
        #expect(status == 1)
        #expect(elapsed < 2.0, "4 steps of 0.6 s side by side, not 2.4 s one after another: \(elapsed) s")
        let results = Dictionary(uniqueKeysWithValues: StepResult.readAll(from: folder).results.map { ($0.name, $0) })
        #expect(results.count == 4)
        #expect(results.filter { !$0.value.succeeded }.map(\.key) == ["F/2"])
        #expect(!project.exists("out/2.txt") && [0, 1, 3].allSatisfy { project.exists("out/\($0).txt") })
        let intervals = [0, 1, 3].map { i in (project.read("out/\(i).txt") ?? "").split(separator: "\n").compactMap { Int($0) } }
        #expect(intervals.allSatisfy { $0.count == 2 } && intervals.map { $0[0] }.max()! < intervals.map { $0[1] }.min()!,
                "every step started before any ended")
    }
}

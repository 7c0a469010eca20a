import Foundation
@testable import Backends

/// A scheduler inside the test process, for the SLURM backend's unit tests: `submit` records each
/// array with its dependencies; each look at the queue runs every array not yet run, in submission
/// order, task by task, with the real `TaskRunner` in the project folder — so results, markers and
/// files are real, only sbatch/squeue/scontrol are not. `aftercorr` is honoured (task i is cancelled
/// with DependencyNeverSatisfied when upstream task i did not complete); `afterany` waits for nothing
/// more, since arrays run in order.
final class FakeSlurm: SlurmCommands {
    struct Job {
        let id: String
        let folder: String
        let array: Int
        let script: String
        let dependency: String?
        var taskStates: [Int: (state: String, reason: String)] = [:]
        var ran = false
    }

    var jobs: [Job] = []
    private var nextID = 100
    /// Steps whose task the scheduler ends on its first run with this state, before the step starts.
    var endsWithoutResult: [String: String] = [:]
    /// Steps whose result file is damaged (truncated) right after their task wrote it.
    var damagesResultOf: Set<String> = []
    var queueCalls = 0
    var limitsToReport = SlurmLimits()

    func limits() throws -> SlurmLimits { limitsToReport }

    func submit(script: String, dependency: String?, comment: String, in directory: String) throws -> String {
        nextID += 1
        let array = Int(comment.split(separator: ":").last ?? "") ?? 0
        jobs.append(Job(id: String(nextID), folder: directory, array: array, script: script, dependency: dependency))
        return String(nextID)
    }

    func queue() throws -> [(status: TaskStatus, comment: String)] {
        queueCalls += 1
        for i in jobs.indices where !jobs[i].ran {
            var job = jobs[i]
            run(&job)
            jobs[i] = job
        }
        return []
    }

    func jobDetails(_ jobID: String) throws -> [TaskStatus] {
        guard let job = jobs.first(where: { $0.id == jobID }) else { return [] }
        return job.taskStates.map { TaskStatus(jobID: jobID, task: $0.key, state: SlurmState(rawValue: $0.value.state), reason: $0.value.reason) }
    }

    func cancel(_ jobIDs: [String]) throws {}

    /// The sbatch script text of a submitted array.
    func scriptText(_ job: Job) -> String { (try? String(contentsOfFile: job.folder + "/" + job.script, encoding: .utf8)) ?? "" }

    private func run(_ job: inout Job) {
        job.ran = true
        guard job.script != NextWave.scriptName() else { return }      // a continuation: the test runs the next wave itself
        guard let manifest = try? ArrayManifest.read(folder: job.folder, array: job.array) else { return }
        let corresponding = job.dependency.flatMap { flag -> String? in
            flag.split(separator: ",").first { $0.contains("aftercorr:") }.map { String($0.split(separator: ":").last!) }
        }
        for task in manifest.tasks.indices {
            if let upstream = corresponding, let up = jobs.first(where: { $0.id == upstream }), up.taskStates[task]?.state != "COMPLETED" {
                job.taskStates[task] = ("CANCELLED", "DependencyNeverSatisfied")
                continue
            }
            if let step = manifest.tasks[task].first(where: { endsWithoutResult[$0.name] != nil }) {
                job.taskStates[task] = (endsWithoutResult.removeValue(forKey: step.name)!, "None")
                continue
            }
            let status = (try? TaskRunner.run(submission: job.folder, array: job.array, task: task, stop: StopSignal(), say: { _ in })) ?? 1
            job.taskStates[task] = (status == 0 ? "COMPLETED" : "FAILED", status == 0 ? "None" : "NonZeroExitCode")
            for (position, step) in manifest.tasks[task].enumerated() where damagesResultOf.remove(step.name) != nil {
                Self.damageResult(at: position, in: TaskResultFile.path(job.folder, array: job.array, task: task))
            }
        }
    }

    /// Cuts the result line of `position` short (as a disk error after the write would), keeping
    /// the task file's other lines.
    static func damageResult(at position: Int, in file: String) {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return }
        let lines = text.split(separator: "\n").map { line -> String in
            line.hasPrefix("{\"position\":\(position),\"result\"") ? String(line.prefix(20)) : String(line)
        }
        try? (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
    }
}

import Foundation
import Targets

/// `dbuild exec <submission> <array> <task>`: what one array task does on a compute node. Runs the
/// task's steps one after another, checks each one's outputs, removes the outputs of a step that
/// failed, and writes one result file per step. Never touches the state store.
public enum TaskRunner {
    /// Returns the exit status for the array task: 0 when every step succeeded.
    public static func run(submission folder: String, array: Int, task: Int, stop: StopSignal) throws -> Int32 {
        let manifest = try ArrayManifest.read(folder: folder, array: array)
        guard manifest.tasks.indices.contains(task) else {
            throw SpawnError(description: "array \(array) of \(folder) has no task \(task) (it has \(manifest.tasks.count))")
        }
        let fileSystem = DiskFileSystem(root: manifest.projectRoot)
        let host = ProcessInfo.processInfo.hostName
        var environment = ChildProcess.currentEnvironment()
        var allSucceeded = true
        for (position, step) in manifest.tasks[task].enumerated() {
            if stop.isSet { return 143 }
            // A requeued or preempted task runs again from its first step: steps it already finished
            // (result written, outputs present) are not run twice.
            if let earlier = StepResult.read(from: folder, array: array, task: task, position: position), earlier.succeeded,
               step.outputs.allSatisfy({ fileSystem.status($0) != nil }) {
                continue
            }
            for path in step.outputs + [step.log] { fileSystem.createParentDirectories(of: path) }
            environment["DBUILD_STEP"] = step.name
            environment["DBUILD_RULE"] = manifest.rule
            environment["DBUILD_ATTEMPT"] = nil
            environment["DBUILD_PREVIOUS_EXIT"] = nil
            if let attempt = step.attempt {
                // SLURM reruns a requeued (preempted) task itself: that is another attempt, too.
                let restarts = Int(ProcessInfo.processInfo.environment["SLURM_RESTART_COUNT"] ?? "") ?? 0
                environment["DBUILD_ATTEMPT"] = String(attempt + restarts)
                environment["DBUILD_PREVIOUS_EXIT"] = restarts > 0 ? "requeued by the scheduler (preempted, or its node failed)"
                    : step.previousExit ?? ""
            }
            let started = Date()
            let pid = try ChildProcess.spawn(["/bin/sh", "-c", step.command], workingDirectory: manifest.projectRoot,
                                             outputPath: fileSystem.absolute(step.log), environment: environment)
            Thread.detachNewThread { stop.post(pid: pid, exit: ChildProcess.wait(pid)) }
            var ended: ChildExit?
            while ended == nil {
                let events = stop.waitForEvents(until: nil)
                if let event = events.first(where: { $0.pid == pid }) { ended = event.exit; break }
                if stop.isSet {
                    // The scheduler is ending this task (time limit, preemption, scancel): stop the
                    // recipe and leave nothing half-made. No result: dbuild asks the scheduler why.
                    kill(-pid, SIGTERM)
                    _ = stop.waitForEvents(until: Date().addingTimeInterval(3))
                    kill(-pid, SIGKILL)
                    if !step.keepOutputs { step.outputs.forEach(fileSystem.removeFile) }
                    return 143
                }
            }
            if Self.endedBySignal(ended!) {
                // SLURM signals every process of the task at once: the recipe may die before our
                // own handler has run. Give the stop request a moment to arrive.
                let deadline = Date().addingTimeInterval(2)
                while !stop.isSet && Date() < deadline { _ = stop.waitForEvents(until: deadline) }
            }
            if stop.isSet {
                // The scheduler ended this task (time limit, preemption, scancel) and the recipe with
                // it: leave nothing half-made and no result, so dbuild asks the scheduler why.
                if !step.keepOutputs { step.outputs.forEach(fileSystem.removeFile) }
                return 143
            }
            let status: Int
            switch ended! {
            case .exited(let code): status = Int(code)
            case .signaled(let signal): status = 128 + Int(signal)
            }
            let missing = step.outputs.filter { fileSystem.status($0) == nil }
            let result = StepResult(name: step.name, array: array, task: task, exitStatus: status, missingOutputs: missing,
                                    seconds: Date().timeIntervalSince(started), host: host,
                                    finishedAt: Date().timeIntervalSince1970)
            if !result.succeeded {
                allSucceeded = false
                if !step.keepOutputs { step.outputs.forEach(fileSystem.removeFile) }
            }
            try result.write(to: folder, position: position)
        }
        return allSucceeded ? 0 : 1
    }

    static func endedBySignal(_ exit: ChildExit) -> Bool {
        switch exit {
        case .signaled: return true
        case .exited(let code): return code > 128
        }
    }
}

import Foundation
import Basics
import Targets

/// `dbuild exec <submission> <array> <task>`: what one array task does on a compute node. For each
/// of the task's steps: a step whose needed steps did not succeed (or whose input is missing) is not
/// run and reported blocked; a step that runs only if what it reads changed and finds it unchanged
/// is not run and reported unchanged; otherwise its recipe runs, its outputs are checked, and a
/// failed attempt's touched outputs are removed (never the ones it did not touch). Steps run one
/// after another, or — a task farm, `.slurm(parallel: N)` — up to N at once in the task's
/// allocation. One append-only result file per task (`TaskResultFile`), and the logs of the steps
/// that succeeded packed into one pack per task (`LogPackWriter`). Never touches the state store.
public enum TaskRunner {
    /// A step's recipe, running.
    private struct Attempt {
        let position: Int
        let step: TaskStep
        let before: OutputSnapshot
        let started: Date
        let staging: StagedOutputs?
    }

    /// Returns the exit status for the array task: 0 when every step succeeded or was unchanged.
    public static func run(submission folder: String, array: Int, task: Int, stop: StopSignal,
                           say: (String) -> Void = { print($0) }) throws -> Int32 {
        let manifest = try ArrayManifest.read(folder: folder, array: array)
        guard manifest.tasks.indices.contains(task) else {
            throw SpawnError(description: "array \(array) of \(folder) has no task \(task) (it has \(manifest.tasks.count))")
        }
        let fileSystem = DiskFileSystem(root: manifest.projectRoot)
        fileSystem.roots = RootLocations((manifest.roots ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        let host = ProcessInfo.processInfo.hostName
        let baseEnvironment = ChildProcess.currentEnvironment()
        let steps = manifest.tasks[task]
        let width = max(1, manifest.parallel ?? 1)
        var allSucceeded = true
        var running: [Int32: Attempt] = [:]
        var next = 0
        let resultFile = TaskResultFile.path(folder, array: array, task: task)
        // A requeued or preempted task runs again from its first step: what its earlier run reported.
        let earlier = TaskResults.read(resultFile)
        let logs = LogPackWriter(folder: StepLogs.packsFolder(logsDirectory: manifest.projectRoot + "/logs"),
                                 name: "slurm-\(manifest.submission)-\(array).\(task)")
        // This task's earlier run was ended before it closed its pack: the logs it packed go now.
        let plainLogs = Dictionary(steps.map { ($0.name, fileSystem.absolute($0.log)) }, uniquingKeysWith: { a, _ in a })
        LogPackWriter.finishKilled(folder: logs.folder, name: logs.name) { plainLogs[$0] }
        defer { logs.close() }
        var neededResults: [String: TaskResults] = [:]
        var committedStaging: [String] = []
        defer { StagedOutputs.removeFolders(committedStaging) }

        func report(_ position: Int, exit: Int, missing: [String] = [], seconds: Double = 0, peakKB: Int? = nil,
                    kind: String? = nil, note: String? = nil) throws {
            let result = StepResult(name: steps[position].name, array: array, task: task, exitStatus: exit, missingOutputs: missing,
                                    seconds: seconds, host: host, finishedAt: Date().timeIntervalSince1970, kind: kind, note: note, peakKB: peakKB)
            try TaskResultFile.appendResult(result, position: position, to: resultFile)
        }
        func removeTouched(_ attempt: Attempt) {
            attempt.staging?.discard(base: manifest.projectRoot)
            if !attempt.step.keepOutputs { attempt.before.removeTouched(attempt.step.outputs, in: fileSystem) }
        }
        /// A recipe ended: its outputs checked, a failed attempt's touched outputs removed, its result written.
        func finish(_ attempt: Attempt, _ exit: ChildExit, pid: Int32) throws {
            let status: Int
            switch exit {
            case .exited(let code): status = Int(code)
            case .signaled(let signal): status = 128 + Int(signal)
            }
            let check = attempt.step.productCheck
            let outputs = attempt.step.outputs, written = attempt.staging?.paths ?? outputs
            var missing: [String] = [], problem: String?
            for (output, path) in zip(outputs, written) {
                guard let found = check.problem(of: path, in: fileSystem) else { continue }
                missing.append(output)
                if problem == nil && found != .missing { problem = "wrote \(output): \(found.text)" }
            }
            if status == 0 && missing.isEmpty, let staging = attempt.staging {
                do {
                    try staging.commit(base: manifest.projectRoot, products: outputs, fileSystem: fileSystem)
                    committedStaging += staging.absoluteFolders(base: manifest.projectRoot)
                } catch {
                    say("dbuild: \(attempt.step.name): its outputs could not be moved into place (\(error))")
                    missing = outputs
                    problem = "its outputs could not be moved into place (\(error))"
                }
            }
            if status != 0 || !missing.isEmpty {
                allSucceeded = false
                removeTouched(attempt)
            }
            try report(attempt.position, exit: status, missing: missing, seconds: Date().timeIntervalSince(attempt.started),
                       peakKB: ChildProcess.takePeakMemory(pid), note: status == 0 ? problem : nil)
            if status == 0 && missing.isEmpty { logs.take(step: attempt.step.name, logPath: fileSystem.absolute(attempt.step.log)) }
        }
        /// The scheduler is ending this task (time limit, preemption, scancel): stop the recipes, leave
        /// nothing half-made and no result; their start lines tell dbuild they started. A recipe that
        /// finished meanwhile is reported like any other: its products are whole.
        func stopAll() throws -> Int32 {
            // 3 s of grace: SLURM's own SIGKILL follows its SIGTERM after KillWait (30 s by default, often less).
            ProcessGroup.terminate(Array(running.keys), grace: 3)
            let deadline = Date().addingTimeInterval(3 + 5)
            while !running.isEmpty && Date() < deadline {
                for (pid, exit) in stop.waitForEvents(until: deadline) {
                    guard let attempt = running.removeValue(forKey: pid) else { continue }
                    if exit == .exited(0) { try finish(attempt, exit, pid: pid) } else { removeTouched(attempt) }
                }
            }
            for attempt in running.values { removeTouched(attempt) }
            return 143
        }

        while next < steps.count || !running.isEmpty {
            while running.count < width && next < steps.count {
                if stop.isSet { return try stopAll() }
                let position = next
                next += 1
                let step = steps[position]
                // A requeued or preempted task runs again from its first step: steps it already
                // settled (result written, outputs present) are not run twice.
                if let earlier = earlier.results[position],
                   earlier.satisfiesDependents, step.outputs.allSatisfy({ fileSystem.status($0) != nil }) {
                    continue
                }
                let check = step.productCheck
                if let why = blocker(of: step, in: fileSystem, submission: folder, ownFile: resultFile, read: &neededResults) {
                    say("dbuild: \(step.name) not run: \(why)")
                    try report(position, exit: 0, kind: "blocked", note: why)
                    allSucceeded = false
                    continue
                }
                if let cutoff = step.cutoff,
                   cutoff.reasonToRun(inputs: step.inputs ?? [], outputs: step.outputs, check: check, in: fileSystem) == nil {
                    say("dbuild: \(step.name) not run: what it reads is unchanged since its last build")
                    try report(position, exit: 0, kind: "unchanged", note: "what it reads is unchanged since its last build")
                    continue
                }
                for path in step.outputs + [step.log] { fileSystem.createParentDirectories(of: path) }
                logs.take(step: step.name, logPath: fileSystem.absolute(step.log), removeNow: true)      // an earlier attempt's log is kept, packed
                let before = OutputSnapshot(step.outputs, in: fileSystem)
                let staging = step.staged == true ? StagedOutputs(step: step.name, outputs: step.outputs, roots: fileSystem.roots) : nil
                do {
                    try staging?.prepare(base: manifest.projectRoot)
                } catch {
                    say("dbuild: \(step.name) not run: its staging folder cannot be made (\(error))")
                    try report(position, exit: 1, missing: step.outputs, note: "its staging folder cannot be made (\(error))")
                    allSucceeded = false
                    continue
                }
                try TaskResultFile.appendStarted(StartMarker(before: before, startedAt: Date().timeIntervalSince1970),
                                                 position: position, to: resultFile)
                let pid = try ChildProcess.spawn(["/bin/sh", "-c", step.command], workingDirectory: manifest.projectRoot,
                                                 outputPath: fileSystem.absolute(step.log),
                                                 environment: environment(for: step, rule: manifest.rule, base: baseEnvironment))
                running[pid] = Attempt(position: position, step: step, before: before, started: Date(), staging: staging)
                Thread.detachNewThread { stop.post(pid: pid, exit: ChildProcess.wait(pid)) }
            }
            if running.isEmpty { continue }
            let events = stop.waitForEvents(until: nil)
            for (pid, exit) in events {
                guard let attempt = running.removeValue(forKey: pid) else { continue }
                // A recipe that finished is reported even if the scheduler's stop comes right after:
                // its products are whole, and a requeued task then skips it instead of remaking them.
                if exit != .exited(0) {
                    if endedBySignal(exit) {
                        // SLURM signals every process of the task at once: the recipe may die before
                        // our own handler has run. Give the stop request a moment to arrive.
                        let deadline = Date().addingTimeInterval(2)
                        while !stop.isSet && Date() < deadline { _ = stop.waitForEvents(until: deadline) }
                    }
                    if stop.isSet {
                        removeTouched(attempt)
                        return try stopAll()
                    }
                }
                try finish(attempt, exit, pid: pid)
            }
            if stop.isSet && !running.isEmpty { return try stopAll() }
        }
        return allSucceeded ? 0 : 1
    }

    /// The recipe's environment: the step's name and rule, and a checkpointing step's attempt.
    private static func environment(for step: TaskStep, rule: String, base: [String: String]) -> [String: String] {
        var environment = base
        RecipeEnvironment.name(step: step.name, rule: rule, in: &environment)
        environment["DBUILD_ATTEMPT"] = nil
        environment["DBUILD_PREVIOUS_EXIT"] = nil
        if let attempt = step.attempt {
            // SLURM reruns a requeued (preempted) task itself: that is another attempt, too.
            let restarts = Int(base["SLURM_RESTART_COUNT"] ?? "") ?? 0
            environment["DBUILD_ATTEMPT"] = String(attempt + restarts)
            environment["DBUILD_PREVIOUS_EXIT"] = restarts > 0 ? "requeued by the scheduler (preempted, or its node failed)"
                : step.previousExit ?? ""
        }
        return environment
    }

    /// Why a step cannot run yet: a needed step did not succeed (its result is missing, says it
    /// failed or was blocked, or cannot be read), or an input is missing. nil: it may run.
    /// `read` keeps the other tasks' result files once read (they have ended: their arrays ran first).
    static func blocker(of step: TaskStep, in fileSystem: FileSystem, submission: String, ownFile: String,
                        read: inout [String: TaskResults]) -> String? {
        for need in step.needs ?? [] {
            // A result of this submission is named from its folder; one of an earlier one, in full.
            let locator = need.result.hasPrefix("/") ? need.result : submission + "/" + need.result
            let reading: StepResult.Reading
            if let (file, position) = TaskResultFile.split(locator) {
                if file == ownFile || read[file] == nil { read[file] = TaskResults.read(file) }
                reading = read[file]!.reading(position)
            } else {
                reading = StepResult.readLegacy(path: locator)
            }
            switch reading {
            case .found(let result) where result.satisfiesDependents: continue
            case .found(let result) where result.kind == "blocked": return "blocked by \(need.name), which did not run"
            case .found: return "blocked by \(need.name), which failed"
            case .absent: return "blocked by \(need.name), which did not finish"
            case .unreadable: return "blocked by \(need.name), whose result cannot be read"
            }
        }
        if let missing = (step.inputs ?? []).first(where: { fileSystem.status($0) == nil }) {
            return "blocked: its input \(missing) is missing"
        }
        return nil
    }

    static func endedBySignal(_ exit: ChildExit) -> Bool {
        switch exit {
        case .signaled: return true
        case .exited(let code): return code > 128
        }
    }
}

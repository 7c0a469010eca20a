import Foundation
import Targets

/// Runs steps on this machine, in parallel: at most `jobs` at once, and never more declared cpus or
/// memory than the machine has (a step that alone asks for more runs by itself). Each recipe runs
/// under `/bin/sh -c` in its own process group, in the project folder, with output to its log file.
public final class LocalBackend: Backend {
    public let jobs: Int
    public let cores: Int
    public let memoryMB: Int
    public let workingDirectory: String
    /// Seconds between SIGTERM and SIGKILL when stopping a recipe.
    public var gracePeriod: Double = 5
    /// Put into every recipe's environment as DBUILD_OWNER (see LeftoverRecipes).
    public var ownerTag: String?

    public init(jobs: Int, cores: Int = LocalBackend.machineCores, memoryMB: Int = LocalBackend.machineMemoryMB,
                workingDirectory: String) {
        self.jobs = max(1, jobs)
        self.cores = max(1, cores)
        self.memoryMB = max(1, memoryMB)
        self.workingDirectory = workingDirectory
    }

    public static var machineCores: Int { ProcessInfo.processInfo.activeProcessorCount }
    public static var machineMemoryMB: Int { Int(ProcessInfo.processInfo.physicalMemory / (1 << 20)) }

    private struct Running {
        let job: StepJob
        let started: Date
        let deadline: Date?
        var timedOut = false
    }

    public func execute(_ plan: Plan, delegate: BuildDelegate, keepGoing: Bool, stop: StopSignal) -> Bool {
        var running: [Int32: Running] = [:]
        var usedCPUs = 0, usedMemory = 0
        var starting = true
        let environment = ChildProcess.currentEnvironment()

        func fits(_ job: StepJob, besides batch: [StepJob]) -> Bool {
            if running.isEmpty && batch.isEmpty { return true }
            return running.count + batch.count < jobs
                && usedCPUs + batch.reduce(0) { $0 + Launch.localCPUs($1.resources) } + Launch.localCPUs(job.resources) <= cores
                && usedMemory + batch.reduce(0) { $0 + $1.resources.memoryMB } + job.resources.memoryMB <= memoryMB
        }

        func start(_ job: StepJob) {
            var env = environment
            env["DBUILD_STEP"] = job.name
            env["DBUILD_RULE"] = job.rule
            if let ownerTag { env[LeftoverRecipes.variable] = ownerTag }
            env.merge(job.environment) { $1 }
            do {
                let pid = try ChildProcess.spawn(["/bin/sh", "-c", job.command], workingDirectory: workingDirectory,
                                                 outputPath: workingDirectory + "/" + job.logPath, environment: env)
                let deadline = job.resources.timeSeconds > 0 ? Date().addingTimeInterval(Double(job.resources.timeSeconds)) : nil
                running[pid] = Running(job: job, started: Date(), deadline: deadline)
                usedCPUs += Launch.localCPUs(job.resources)
                usedMemory += job.resources.memoryMB
                Thread.detachNewThread { stop.post(pid: pid, exit: ChildProcess.wait(pid)) }
            } catch {
                settle(job, .couldNotStart("\(error)"), seconds: 0)
            }
        }

        func settle(_ job: StepJob, _ end: StepEnd, seconds: Double) {
            if delegate.finished(job, end, seconds: seconds) {
                plan.stepSucceeded(job.step)
            } else {
                plan.stepFailed(job.step)
                if !keepGoing { starting = false }
            }
        }

        var held: StepJob?   // prepared, waiting for room; not yet started, so nothing to undo if dropped
        while true {
            if stop.isSet { starting = false }
            var batch: [StepJob] = []
            while starting {
                if held == nil {
                    guard let next = plan.nextReady() else { break }
                    guard let job = delegate.prepare(next) else {
                        plan.stepSucceeded(next)          // clean after all: early cutoff
                        continue
                    }
                    held = job
                }
                guard fits(held!, besides: batch) else { break }
                batch.append(held!)
                held = nil
            }
            if !batch.isEmpty {
                delegate.willStart(batch)
                batch.forEach(start)
            }
            if !starting { held = nil }
            if running.isEmpty {
                if held != nil { continue }               // it fits an empty machine
                break
            }
            waitForOne(&running, &usedCPUs, &usedMemory, stop: stop, settle: settle)
        }
        return stop.isSet
    }

    /// Waits for at least one child to end (or a deadline or stop), and settles what ended.
    private func waitForOne(_ running: inout [Int32: Running], _ usedCPUs: inout Int, _ usedMemory: inout Int,
                            stop: StopSignal, settle: (StepJob, StepEnd, Double) -> Void) {
        guard !running.isEmpty else { return }
        var stopping = false
        while true {
            if stop.isSet && !stopping {
                stopping = true
                terminate(Array(running.keys))
            }
            let deadline = running.values.compactMap { $0.timedOut ? nil : $0.deadline }.min()
            let events = stop.waitForEvents(until: deadline ?? (stopping ? Date().addingTimeInterval(0.2) : nil))
            let now = Date()
            for (pid, var entry) in running where !entry.timedOut {
                if let d = entry.deadline, d <= now {
                    entry.timedOut = true
                    running[pid] = entry
                    terminate([pid])
                }
            }
            if events.isEmpty { continue }
            for (pid, exit) in events {
                guard let entry = running.removeValue(forKey: pid) else { continue }
                usedCPUs -= Launch.localCPUs(entry.job.resources)
                usedMemory -= entry.job.resources.memoryMB
                let seconds = now.timeIntervalSince(entry.started)
                let end: StepEnd = entry.timedOut ? .timedOut(seconds: entry.job.resources.timeSeconds)
                    : (stop.isSet && !exit.succeeded) ? .stopped : .finished(exit)
                settle(entry.job, end, seconds)
            }
            if !stopping || running.isEmpty { return }
        }
    }

    /// SIGTERM to each recipe's process group, SIGKILL after the grace period.
    private func terminate(_ pids: [Int32]) {
        for pid in pids where pid > 0 { kill(-pid, SIGTERM) }
        let grace = gracePeriod
        DispatchQueue.global().asyncAfter(deadline: .now() + grace) {
            for pid in pids where pid > 0 { kill(-pid, SIGKILL) }
        }
    }
}

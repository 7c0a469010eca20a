import Foundation
import Basics
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
    public var gracePeriod: Double = ProcessGroup.defaultGrace
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

    private var running: [Int32: Running] = [:]
    private var usedCPUs = 0, usedMemory = 0
    /// Outcomes known at start (a recipe that could not be spawned), reported by the next wait.
    private var immediate: [StepOutcome] = []
    private lazy var environment = ChildProcess.currentEnvironment()

    public var runsStepsHere: Bool { true }
    public var ordersStepsItself: Bool { false }
    public var outstanding: Int { running.count + immediate.count }
    public func retryDelay(after outcome: StepOutcome, attempt: Int) -> Double? { nil }

    public func hasRoom(for job: StepJob, besides batch: [StepJob]) -> Bool {
        if running.isEmpty && batch.isEmpty { return true }             // alone, it fits an empty machine
        return running.count + batch.count < jobs
            && usedCPUs + batch.reduce(0) { $0 + Launch.localCPUs($1.resources) } + Launch.localCPUs(job.resources) <= cores
            && usedMemory + batch.reduce(0) { $0 + $1.resources.memoryMB } + job.resources.memoryMB <= memoryMB
    }

    public func start(_ jobs: [StepJob], stop: StopSignal) throws -> [Int32] {
        for job in jobs {
            var env = environment
            RecipeEnvironment.name(step: job.name, rule: job.rule, in: &env)
            if let ownerTag { env[LeftoverRecipes.variable] = ownerTag }
            env.merge(job.environment) { $1 }
            do {
                try job.staging?.prepare(base: workingDirectory)
                let pid = try ChildProcess.spawn(["/bin/sh", "-c", Launch.local(job.command, job.resources)],
                                                 workingDirectory: workingDirectory,
                                                 outputPath: workingDirectory + "/" + job.logPath, environment: env)
                let deadline = job.resources.timeSeconds > 0 ? Date().addingTimeInterval(Double(job.resources.timeSeconds)) : nil
                running[pid] = Running(job: job, started: Date(), deadline: deadline)
                usedCPUs += Launch.localCPUs(job.resources)
                usedMemory += job.resources.memoryMB
                Thread.detachNewThread { stop.post(pid: pid, exit: ChildProcess.wait(pid)) }
            } catch {
                var outcome = StepOutcome(step: job.step, end: .couldNotStart("\(error)"), before: job.before)
                outcome.staging = job.staging
                immediate.append(outcome)
            }
        }
        return []
    }

    /// Waits for at least one recipe to end (or a deadline, or a stop: then every recipe is stopped
    /// and waited for) and returns how they ended.
    public func waitForOutcomes(stop: StopSignal) throws -> [StepOutcome]? {
        if !immediate.isEmpty {
            defer { immediate.removeAll() }
            return immediate
        }
        var outcomes: [StepOutcome] = []
        guard !running.isEmpty else { return outcomes }
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
            for (pid, exit) in events {
                guard let entry = running.removeValue(forKey: pid) else { continue }
                usedCPUs -= Launch.localCPUs(entry.job.resources)
                usedMemory -= entry.job.resources.memoryMB
                let end: StepEnd = entry.timedOut ? .timedOut(seconds: entry.job.resources.timeSeconds)
                    : (stop.isSet && !exit.succeeded) ? .stopped : .finished(exit)
                var outcome = StepOutcome(step: entry.job.step, end: end, seconds: now.timeIntervalSince(entry.started),
                                          before: entry.job.before)
                outcome.peakMemoryKB = ChildProcess.takePeakMemory(pid)
                outcome.staging = entry.job.staging
                outcomes.append(outcome)
            }
            if outcomes.isEmpty { continue }
            if !stopping || running.isEmpty { return outcomes }
        }
    }

    /// Each recipe's process group is stopped (the waiting threads report how they ended).
    private func terminate(_ pids: [Int32]) {
        ProcessGroup.terminate(pids, grace: gracePeriod)
    }
}

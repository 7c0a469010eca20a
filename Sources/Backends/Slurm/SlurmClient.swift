import Foundation
import Basics

/// A SLURM command failed; the message carries what it printed.
public struct SlurmError: Error, CustomStringConvertible {
    public let description: String
}

/// What dbuild asks of SLURM: the seam the SLURM backend is tested through (a fake in the unit
/// tests, `SlurmClient` against a real cluster).
public protocol SlurmCommands {
    func limits() throws -> SlurmLimits
    /// Submits a script; returns the job id.
    func submit(script: String, dependency: String?, comment: String, in directory: String) throws -> String
    /// This user's jobs in the queue, one entry per array task, with each job's comment.
    func queue() throws -> [(status: TaskStatus, comment: String)]
    /// How a job's tasks ended, while SLURM still remembers (MinJobAge); empty once purged.
    func jobDetails(_ jobID: String) throws -> [TaskStatus]
    func cancel(_ jobIDs: [String]) throws
}

/// Runs SLURM's own commands (sbatch, squeue, scontrol, scancel). Each call is one process; callers
/// keep the count low, since the scheduler is shared by everyone on the cluster.
public struct SlurmClient: SlurmCommands, Sendable {
    /// Seconds a command is retried while SLURM answers with a transient error (busy, restarting,
    /// timing out): `$DBUILD_SLURM_PATIENCE`, default 300.
    public var patience: Double = ProcessInfo.processInfo.environment["DBUILD_SLURM_PATIENCE"].flatMap(Double.init) ?? 300

    public init() {}

    /// What a busy or restarting controller says; anything else is an answer (perhaps a refusal).
    public static func isTransient(_ output: String) -> Bool {
        ["Socket timed out", "temporarily unable", "Unable to contact slurm controller", "Connection refused",
         "Resource temporarily unavailable", "Zero Bytes were transmitted", "Transport endpoint", "Connection timed out",
         "Slurm backup controller in standby mode", "Communication connection failure"].contains { output.contains($0) }
    }

    /// Runs a command, trying again with a growing pause while SLURM's answer is transient, and
    /// saying so; `before` runs ahead of each new try (sbatch: was the job queued after all?).
    private func runPatiently(_ command: String, _ arguments: [String], in directory: String? = nil,
                              before retry: () throws -> String? = { nil }) throws -> (ok: Bool, output: String) {
        let started = Date()
        var pause = 1.0
        while true {
            let (ok, output) = try run(command, arguments, in: directory)
            if ok || !Self.isTransient(output) { return (ok, output) }
            let line = output.split(separator: "\n").first.map(String.init) ?? output
            guard Date().timeIntervalSince(started) + pause <= patience else {
                throw SlurmError(description: "\(command) still fails after \(Int(Date().timeIntervalSince(started))) s of trying: \(line)")
            }
            FileHandle.standardError.write(Data("slurm: \(command) did not get through (\(line)); trying again in \(Int(pause)) s\n".utf8))
            Thread.sleep(forTimeInterval: pause)
            pause = min(pause * 2, 60)
            if let answer = try retry() { return (true, answer) }
        }
    }

    /// A command's absolute path, from PATH.
    public static func find(_ command: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(dir)/\(command)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    private func run(_ command: String, _ arguments: [String], in directory: String? = nil) throws -> (ok: Bool, output: String) {
        guard let path = Self.find(command) else {
            throw SlurmError(description: "\(command) is not on PATH; the SLURM backend needs SLURM's commands "
                + "(on this machine: scripts/slurm-local.sh start)")
        }
        let (exit, output) = try ChildProcess.run([path] + arguments, workingDirectory: directory)
        return (exit.succeeded, output)
    }

    /// The cluster's limits (configuration, partitions, and the user's association when accounting
    /// answers), with the per-machine defaults file's overrides.
    public func limits() throws -> SlurmLimits {
        let (ok, output) = try runPatiently("scontrol", ["show", "config"])
        guard ok else { throw SlurmError(description: "scontrol show config failed: \(output)") }
        var limits = SlurmLimits.parse(showConfig: output)
        if let (ok, partitions) = try? run("scontrol", ["show", "partition", "-o"]), ok { limits.read(showPartitions: partitions) }
        if limits.hasAccounting {
            let user = String(cString: getpwuid(getuid()).pointee.pw_name)
            if let (ok, text) = try? run("sacctmgr", ["-nP", "show", "assoc", "user=\(user)", "format=MaxSubmitJobs"]), ok {
                limits.read(maxSubmitJobs: text, from: "sacctmgr show assoc")
            }
        }
        limits.apply(MachineDefaults.current, file: MachineDefaults.path)
        return limits
    }

    /// Submits a script; returns the job id.
    public func submit(script: String, dependency: String?, comment: String, in directory: String) throws -> String {
        var arguments = ["--parsable", "--comment=\(comment)"]
        if let dependency { arguments.append(dependency) }
        arguments.append(script)
        // A timed-out sbatch may have queued the job all the same: its comment finds it.
        let (ok, output) = try runPatiently("sbatch", arguments, in: directory, before: {
            try self.queue().first { $0.comment == comment }.map { $0.status.jobID }
        })
        guard ok, let id = SchedulerQueue.parseSubmittedJobID(output) else {
            throw SlurmError(description: "sbatch \(script) failed: \(output.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return id
    }

    /// This user's jobs in the queue, one entry per array task, with each job's comment.
    public func queue() throws -> [(status: TaskStatus, comment: String)] {
        let user = String(cString: getpwuid(getuid()).pointee.pw_name)
        let (ok, output) = try runPatiently("squeue", ["-h", "-u", user, "-o", SchedulerQueue.squeueFormat + "|%k"])
        guard ok else { throw SlurmError(description: "squeue failed: \(output)") }
        var result: [(TaskStatus, String)] = []
        for line in output.split(separator: "\n") {
            let comment = line.split(separator: "|", omittingEmptySubsequences: false).dropFirst(4).joined(separator: "|")
            for status in SchedulerQueue.parseSqueue(String(line)) { result.append((status, comment)) }
        }
        return result
    }

    /// How a job's tasks ended, while SLURM still remembers (MinJobAge); empty once purged.
    public func jobDetails(_ jobID: String) throws -> [TaskStatus] {
        let (ok, output) = try runPatiently("scontrol", ["-o", "show", "job", jobID])
        return ok ? SchedulerQueue.parseScontrolJobs(output) : []
    }

    public func cancel(_ jobIDs: [String]) throws {
        guard !jobIDs.isEmpty else { return }
        let (ok, output) = try runPatiently("scancel", jobIDs)
        guard ok else { throw SlurmError(description: "scancel failed: \(output)") }
    }
}

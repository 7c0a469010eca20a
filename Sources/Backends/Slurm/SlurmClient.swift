import Foundation

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
    public init() {}

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
        let (ok, output) = try run("scontrol", ["show", "config"])
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
        let (ok, output) = try run("sbatch", arguments, in: directory)
        guard ok, let id = SchedulerQueue.parseSubmittedJobID(output) else {
            throw SlurmError(description: "sbatch \(script) failed: \(output.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return id
    }

    /// This user's jobs in the queue, one entry per array task, with each job's comment.
    public func queue() throws -> [(status: TaskStatus, comment: String)] {
        let user = String(cString: getpwuid(getuid()).pointee.pw_name)
        let (ok, output) = try run("squeue", ["-h", "-u", user, "-o", SchedulerQueue.squeueFormat + "|%k"])
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
        let (ok, output) = try run("scontrol", ["-o", "show", "job", jobID])
        return ok ? SchedulerQueue.parseScontrolJobs(output) : []
    }

    public func cancel(_ jobIDs: [String]) throws {
        guard !jobIDs.isEmpty else { return }
        let (ok, output) = try run("scancel", jobIDs)
        guard ok else { throw SlurmError(description: "scancel failed: \(output)") }
    }
}

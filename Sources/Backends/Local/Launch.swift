import Foundation
import Basics
import Rules
import Targets

/// How a step's command starts: as it is, or — for a rule with more than one task (MPI) — under a
/// launcher that starts one copy per task: `mpirun -np N` here, `srun` inside a SLURM job. Every
/// task runs the whole recipe, as MPI programs expect, so an MPI rule's recipe is one program call.
public enum Launch {
    /// nodes × tasks per node.
    public static func taskCount(_ r: Resources) -> Int { max(1, r.nodes) * max(1, r.tasksPerNode) }

    /// The command for the local backend.
    public static func local(_ command: String, _ r: Resources, defaults: MachineDefaults = .current) -> String {
        let tasks = taskCount(r)
        guard tasks > 1 else { return command }
        let launcher = defaults.localLauncher ?? "mpirun --oversubscribe" + (getuid() == 0 ? " --allow-run-as-root" : "")
        return "\(launcher) -np \(tasks) /bin/sh -c \(RecipeText.quote(command))"
    }

    /// The command inside a SLURM job (the allocation already has the tasks).
    public static func slurm(_ command: String, _ r: Resources, defaults: MachineDefaults = .current) -> String {
        guard taskCount(r) > 1 else { return command }
        return "\(defaults.slurmLauncher ?? "srun") /bin/sh -c \(RecipeText.quote(command))"
    }

    /// Cores a step occupies on this machine.
    public static func localCPUs(_ r: Resources) -> Int { max(1, r.cpus) * taskCount(r) }
}

/// Per-machine settings, from `$DBUILD_DEFAULTS` or `~/.config/dbuild/defaults` (`key = value` lines,
/// `#` comments): `slurm.account`, `slurm.partition`, `slurm.qos`, `slurm.constraint` (used when a rule
/// does not set them), `slurm.launcher` (default `srun`), `local.launcher` (default `mpirun --oversubscribe`),
/// and limits that override what the cluster says: `slurm.maxSubmitJobs`, `slurm.maxArraySize`,
/// `slurm.maxJobCount`, `slurm.maxTime` and `slurm.bundleTime` (times as in a rule, e.g. `48:00:00`),
/// and `slurm.fitResources = true` (requests from recorded use, for every rule).
public struct MachineDefaults: Equatable, Sendable {
    public var maxSubmitJobs: Int?
    public var maxArraySize: Int?
    public var maxJobCount: Int?
    public var maxTime: Int?
    public var bundleTime: Int?
    /// `slurm.fitResources = true`: every rule asks for what its recorded runs used (see `RuleUsage`).
    public var fitResources = false
    public var account: String?
    public var partition: String?
    public var qos: String?
    public var constraint: String?
    public var slurmLauncher: String?
    public var localLauncher: String?
    /// `root.lp = /pscratch/me/LP` (several locations, newest first, separated by ':'): where a
    /// Datafile's named root is on this machine.
    public var roots: [String: [String]] = [:]
    /// `root.scratch.purge = 21d` (or `never`): the centre wipes files older than that from the root
    /// on this machine; kept as written, read by `RootSettings` (which refuses what it cannot read).
    public var purge: [String: String] = [:]

    public init() {}

    public static func parse(_ text: String) -> MachineDefaults {
        var d = MachineDefaults()
        for raw in text.split(separator: "\n") {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[1].isEmpty else { continue }
            switch parts[0] {
            case "slurm.account": d.account = parts[1]
            case "slurm.partition": d.partition = parts[1]
            case "slurm.qos": d.qos = parts[1]
            case "slurm.constraint": d.constraint = parts[1]
            case "slurm.launcher": d.slurmLauncher = parts[1]
            case "local.launcher": d.localLauncher = parts[1]
            case "slurm.maxSubmitJobs": d.maxSubmitJobs = Int(parts[1])
            case "slurm.maxArraySize": d.maxArraySize = Int(parts[1])
            case "slurm.maxJobCount": d.maxJobCount = Int(parts[1])
            case "slurm.maxTime": d.maxTime = try? parseTime(parts[1])
            case "slurm.bundleTime": d.bundleTime = try? parseTime(parts[1])
            case "slurm.fitResources": d.fitResources = ["true", "yes", "1"].contains(parts[1].lowercased())
            case let key where key.hasPrefix("root.") && key.hasSuffix(".purge") && key.count > 11:
                d.purge[String(key.dropFirst(5).dropLast(6))] = parts[1]
            case let key where key.hasPrefix("root.") && key.count > 5:
                d.roots[String(key.dropFirst(5))] = parts[1].split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            default: break
            }
        }
        return d
    }

    /// `$DBUILD_DEFAULTS`, else `~/.config/dbuild/defaults`.
    public static let path: String = {
        let env = ProcessInfo.processInfo.environment
        return env["DBUILD_DEFAULTS"] ?? ((env["XDG_CONFIG_HOME"] ?? ((env["HOME"] ?? "/root") + "/.config")) + "/dbuild/defaults")
    }()

    public static let current: MachineDefaults = readFile(path).map(parse) ?? MachineDefaults()

    /// A rule's resources with this machine's SLURM fields filled in where the rule left them out.
    public func apply(to r: Resources) -> Resources {
        var r = r
        r.account = r.account ?? account
        r.partition = r.partition ?? partition
        r.qos = r.qos ?? qos
        r.constraint = r.constraint ?? constraint
        return r
    }
}

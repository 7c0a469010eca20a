import Rules
import Targets

/// Where a submission lives and what its array tasks call back into.
public struct SubmissionContext: Sendable {
    public var id: String
    /// Absolute: the project folder (tasks run there) and this submission's folder.
    public var projectRoot: String
    public var folder: String
    /// Absolute path of the dbuild executable the tasks run (`dbuild exec …`).
    public var dbuild: String

    public init(id: String, projectRoot: String, folder: String, dbuild: String) {
        self.id = id
        self.projectRoot = projectRoot
        self.folder = folder
        self.dbuild = dbuild
    }
}

/// The text of the files a submission writes: one sbatch script per job array and a submit.sh that
/// submits them in order with their dependencies. Pure functions: tested without a cluster.
public enum SbatchScript {
    public static func fileName(_ array: JobArray, rule: String) -> String { "array-\(array.index)-\(rule).sbatch" }

    public static func text(_ array: JobArray, rule: RuleDescription, resources: Resources, context: SubmissionContext) -> String {
        var lines = ["#!/bin/bash",
                     "# dbuild submission \(context.id), array \(array.index): rule \(rule.name), "
                        + "\(array.stepCount) step\(array.stepCount == 1 ? "" : "s") in \(array.tasks.count) task\(array.tasks.count == 1 ? "" : "s")"]
        if !array.dependencies.isEmpty || !array.externalJobIDs.isEmpty {
            let names = array.dependencies.map { d -> String in
                switch d {
                case .afterAny(let a): return "array \(a) (afterany: all of it has ended; each step checks what it needs)"
                case .afterCorresponding(let a): return "array \(a) (aftercorr: task i after its task i)"
                }
            } + array.externalJobIDs.map { "job \($0) (afterany, submitted earlier)" }
            lines.append("# waits for " + names.joined(separator: ", ") + "; submit.sh passes --dependency")
        }
        var header = ["--job-name=dbuild:\(rule.name)",
                      "--array=0-\(array.tasks.count - 1)" + (rule.batch.throttle > 0 ? "%\(rule.batch.throttle)" : ""),
                      "--chdir=\(context.projectRoot)",
                      "--output=logs/\(rule.name)/slurm-%A_%a.out",
                      "--error=logs/\(rule.name)/slurm-%A_%a.out",
                      "--kill-on-invalid-dep=yes"]
        if resources.nodes > 1 { header.append("--nodes=\(resources.nodes)") }
        if resources.nodes > 1 || resources.tasksPerNode > 1 { header.append("--ntasks-per-node=\(resources.tasksPerNode)") }
        // A farm runs `parallel` steps at once: it asks for their cpus and memory together.
        header.append("--cpus-per-task=\(resources.cpus * array.parallel)")
        if resources.memoryMB > 0 { header.append("--mem=\(resources.memoryMB * array.parallel)M") }
        if resources.timeSeconds > 0 {
            // A bundle runs its steps one after another (a farm, in rounds): the task gets the sum of
            // their limits (or of what recorded runs show they need).
            header.append("--time=\(slurmTime(array.taskSeconds(declared: resources.timeSeconds)))")
        }
        if let p = resources.partition { header.append("--partition=\(p)") }
        if let a = resources.account { header.append("--account=\(a)") }
        if let q = resources.qos { header.append("--qos=\(q)") }
        if let c = resources.constraint { header.append("--constraint=\(c)") }
        if rule.batch.requeue { header.append("--requeue") }
        if rule.batch.appendOutput { header.append("--open-mode=append") }
        header += resources.extraFlags
        lines += header.map { "#SBATCH " + $0 }
        lines.append("")
        // Where this task's own SLURM output is: the task removes it when it ends empty.
        lines.append("export DBUILD_SLURM_OUTPUT_DIR=\(RecipeText.quote(context.projectRoot + "/logs/" + rule.name))")
        lines.append("exec \(RecipeText.quote(context.dbuild)) exec \(RecipeText.quote(context.folder)) \(array.index) \"$SLURM_ARRAY_TASK_ID\"")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The `--dependency=` value for an array, given the job ids of the arrays already submitted.
    public static func dependencyFlag(_ array: JobArray, jobIDs: [Int: String]) -> String? {
        var afterAny: [String] = array.externalJobIDs
        var afterCorresponding: [String] = []
        for dependency in array.dependencies {
            switch dependency {
            case .afterAny(let a): afterAny.append(jobIDs[a] ?? "$a\(a)")
            case .afterCorresponding(let a): afterCorresponding.append(jobIDs[a] ?? "$a\(a)")
            }
        }
        var parts: [String] = []
        if !afterCorresponding.isEmpty { parts.append("aftercorr:" + afterCorresponding.joined(separator: ":")) }
        if !afterAny.isEmpty { parts.append("afterany:" + afterAny.joined(separator: ":")) }
        return parts.isEmpty ? nil : "--dependency=" + parts.joined(separator: ",")
    }

    /// A script that submits every array in order, as dbuild itself does, for a user submitting by hand.
    public static func submitScript(_ arrays: [JobArray], rules: [RuleDescription]) -> String {
        var lines = ["#!/bin/bash",
                     "# Submits this folder's job arrays in order, each with the dependencies it needs.",
                     "set -euo pipefail",
                     "cd \"$(dirname \"$0\")\""]
        for array in arrays {
            let dependency = dependencyFlag(array, jobIDs: [:]).map { $0 + " " } ?? ""
            lines.append("a\(array.index)=$(sbatch --parsable \(dependency)\(fileName(array, rule: rules[array.rule].name)) | cut -d';' -f1)")
        }
        lines.append("echo \"submitted: " + arrays.map { "$a\($0.index)" }.joined(separator: " ") + "\"")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Seconds as SLURM's [D-]HH:MM:SS.
    public static func slurmTime(_ seconds: Int) -> String {
        let days = seconds / 86400, h = seconds % 86400 / 3600, m = seconds % 3600 / 60, s = seconds % 60
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return (days > 0 ? "\(days)-" : "") + "\(two(h)):\(two(m)):\(two(s))"
    }
}

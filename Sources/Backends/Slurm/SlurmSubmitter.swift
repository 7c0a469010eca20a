import Foundation
import Basics
import Rules
import Targets

/// Turns prepared steps into a submission: plans the job arrays, writes the folder (one manifest and
/// one sbatch script per array, and submit.sh), and — unless only emitting — submits the arrays in
/// order, recording every job id in the state store the moment sbatch returns it. Its state is set
/// in `init`; the manifest writers that share it across threads only read it.
public final class SlurmSubmitter: @unchecked Sendable {
    public let graph: Graph
    public let arrays: [JobArray]
    public let context: SubmissionContext
    public let limits: SlurmLimits
    private let jobs: [StepJob]
    /// Per graph step: its index in `jobs` (-1: not in this submission).
    private var jobIndex: [Int32]
    /// Per graph step of this submission: its array, task and position (-1: not in it).
    private var placeArray: [Int32], placeTask: [Int32], placePosition: [Int32]
    /// Result files of steps submitted earlier that steps of this submission need.
    private let earlierResults: [Int32: String]

    /// - Parameters:
    ///   - jobs: the prepared steps (a real submission: attempts, early-cutoff checks).
    ///   - steps: instead of `jobs`, the plan's steps as the graph has them (a dry run, or scripts
    ///     emitted): nothing is prepared per step beyond what its manifest entry needs.
    public init(graph: Graph, jobs: [StepJob] = [], steps: [Int32]? = nil, limits: SlurmLimits, context: SubmissionContext,
                inFlight: [Int32: String] = [:], earlierResults: [Int32: String] = [:], escalation: [Int32: Escalation] = [:],
                history: [String: RuleHistory] = [:], usage: [String: RuleUsage] = [:], maxCoreHours: Double? = nil,
                queued: Int = 0, continuation: Bool = true) throws {
        self.graph = graph
        self.limits = limits
        self.context = context
        self.jobs = jobs
        jobIndex = [Int32](repeating: -1, count: graph.stepCount)
        for (i, job) in jobs.enumerated() { jobIndex[Int(job.step)] = Int32(i) }
        self.earlierResults = earlierResults
        self.usage = usage
        let planned = try ArrayPlanner.plan(graph: graph, steps: (steps ?? jobs.map(\.step)).sorted { graph.topologicalPosition($0) < graph.topologicalPosition($1) },
                                   limits: limits, inFlight: inFlight, escalation: escalation, defaults: MachineDefaults.current,
                                       history: history)
        // More tasks than may be queued: the first wave now, the rest later (a continuation job
        // submits them, itself one job, and it runs while it submits the next).
        let tasks = planned.reduce(0) { $0 + $1.tasks.count }
        if tasks > limits.taskBudget - queued {
            (arrays, deferred) = Waves.cut(planned, room: limits.taskBudget - queued - (continuation ? 2 : 0))
        } else {
            (arrays, deferred) = (planned, [])
        }
        placeArray = [Int32](repeating: -1, count: graph.stepCount)
        placeTask = placeArray
        placePosition = placeArray
        cost = PlanCost()                 // resources(of:) needs every stored property set first
        // The cost and the budget are the whole plan's, every wave included.
        cost = PlanCost(arrays: planned, rules: graph.description.rules, resources: resources(of:), expected: history.mapValues(\.meanSeconds))
        for array in arrays {
            for (t, task) in array.tasks.enumerated() {
                for (p, step) in task.enumerated() {
                    placeArray[Int(step)] = Int32(array.index); placeTask[Int(step)] = Int32(t); placePosition[Int(step)] = Int32(p)
                }
            }
        }
        if let budget = maxCoreHours, cost.requestedCoreHours > budget {
            throw SlurmPlanError(description: "this plan asks for \(String(format: "%g", cost.requestedCoreHours)) core-hours, more than "
                + "--max-core-hours \(String(format: "%g", budget)); select less (e.g. one model), or raise the budget\n" + cost.text)
        }
    }

    /// What each rule's recorded runs used (requests fitted from it where the rule asks).
    public let usage: [String: RuleUsage]

    /// Steps of the plan left for later waves (none when the plan fits the queue).
    public let deferred: [Int32]

    /// Core-hours and node-hours the plan asks for.
    public private(set) var cost: PlanCost

    /// A new submission id: time, then pid, so folders sort by age.
    public static func newID(now: Date = Date()) -> String {
        let seconds = Int(now.timeIntervalSince1970)
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))-\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))-\(getpid())"
    }

    /// What an array's tasks ask for: the rule's request (fitted to recorded use where asked, but
    /// not after a TIMEOUT or OUT_OF_MEMORY: then the declared figure, escalated), with this
    /// machine's defaults.
    public func resources(of array: JobArray) -> Resources {
        let rule = graph.description.rules[array.rule]
        var r = array.escalation.apply(to: rule)
        if array.escalation == Escalation(), rule.batch.fitResources || MachineDefaults.current.fitResources, let used = usage[rule.name] {
            r = used.fit(r)
        }
        return MachineDefaults.current.apply(to: r)
    }

    /// Per rule with recorded use: what it asks against what its runs used.
    func usageLines() -> [String] {
        let rules = graph.description.rules
        var seen = Set<Int>()
        var lines: [String] = []
        for array in arrays where seen.insert(array.rule).inserted {
            let rule = rules[array.rule]
            guard let used = usage[rule.name] else { continue }
            let declared = rule.resources
            let asked = resources(of: array)
            var line = "  \(rule.name): declared " + (declared.memoryMB > 0 ? "mem \(declared.memoryMB)M" : "no mem")
                + ", " + (declared.timeSeconds > 0 ? "time \(SbatchScript.slurmTime(declared.timeSeconds))" : "no time")
                + "; used (p95 of \(used.runs) run\(used.runs == 1 ? "" : "s")) \(used.p95PeakMB)M, \(SbatchScript.slurmTime(Int(used.p95Seconds.rounded(.up))))"
                + ", at most \(used.maxPeakMB)M, \(SbatchScript.slurmTime(Int(used.maxSeconds.rounded(.up))))"
            if asked.memoryMB != declared.memoryMB || asked.timeSeconds != declared.timeSeconds {
                line += "; asks mem \(asked.memoryMB)M, time \(SbatchScript.slurmTime(asked.timeSeconds)) (fitted)"
            } else if rule.batch.fitResources || MachineDefaults.current.fitResources, used.runs < RuleUsage.runsToFit {
                line += "; fitted from \(RuleUsage.runsToFit) runs on"
            }
            lines.append(line)
        }
        return lines
    }

    /// Writes manifests, scripts and submit.sh into the submission folder.
    public func writeFolder() throws {
        try FileManager.default.createDirectory(atPath: context.folder + "/results", withIntermediateDirectories: true)
        let rules = graph.description.rules
        // Manifests are written side by side (a 10^6-step plan writes hundreds of MB); the graph's
        // lazily built name table is built first, so the writers only read shared state.
        _ = graph.names
        let failures = Locked<[Error]>([])
        DispatchQueue.concurrentPerform(iterations: arrays.count) { i in
            let array = arrays[i]
            do {
                try ArrayManifest.write(to: ArrayManifest.path(folder: context.folder, array: array.index), submission: context.id,
                                        projectRoot: context.projectRoot, array: array.index, rule: rules[array.rule].name,
                                        parallel: array.parallel > 1 ? array.parallel : nil, roots: graph.roots.locations,
                                        taskCount: array.tasks.count) { t in
                    array.tasks[t].map(taskStep)
                }
            } catch {
                failures.withLock { $0.append(error) }
            }
        }
        if let failure = failures.withLock({ $0.first }) { throw failure }
        for array in arrays {
            let rule = rules[array.rule]
            // sbatch does not create the folder of --output; without it the task fails before it starts.
            try FileManager.default.createDirectory(atPath: "\(context.projectRoot)/logs/\(rule.name)", withIntermediateDirectories: true)
            let script = SbatchScript.text(array, rule: rule, resources: resources(of: array), context: context)
            try writeAtomically(Data(script.utf8), to: context.folder + "/" + SbatchScript.fileName(array, rule: rule.name))
        }
        let submit = context.folder + "/submit.sh"
        try writeAtomically(Data(SbatchScript.submitScript(arrays, rules: rules).utf8), to: submit)
        chmod(submit, 0o755)
    }

    /// Where a step of this submission reports: its result locator (nil: not in this submission).
    public func resultPath(of step: Int32) -> String? {
        let a = placeArray[Int(step)]
        guard a >= 0 else { return nil }
        return TaskResultFile.locator(TaskResultFile.path(context.folder, array: Int(a), task: Int(placeTask[Int(step)])),
                                      position: Int(placePosition[Int(step)]))
    }

    /// The array a step of this submission is in.
    public func array(of step: Int32) -> Int? {
        let a = placeArray[Int(step)]
        return a >= 0 ? Int(a) : nil
    }

    private func taskStep(_ step: Int32) -> TaskStep {
        let s = Int(step)
        let job = jobIndex[s] >= 0 ? jobs[Int(jobIndex[s])] : nil
        let rule = graph.rule(of: s)
        // A step of this submission reports into its folder: named relative to it (a 10^6-input
        // aggregate lists 10^6 of them).
        let needs = graph.dependencies(of: s).compactMap { d -> NeededResult? in
            let a = placeArray[Int(d)]
            let result = a >= 0 ? TaskResultFile.locator(TaskResultFile.relativePath(array: Int(a), task: Int(placeTask[Int(d)])),
                                                         position: Int(placePosition[Int(d)]))
                : earlierResults[d]
            return result.map { NeededResult(name: graph.name(Int(d)), result: $0) }
        }
        let inputs = job?.inputs ?? graph.inputs(of: s)
        let environment = job?.environment ?? [:]
        return TaskStep(name: job?.name ?? graph.name(s),
                        command: Launch.slurm(job?.command ?? RecipeText.expand(step: s, in: graph), rule.resources),
                        outputs: job?.outputs ?? graph.outputs(of: s),
                        log: job?.logPath ?? Builder.logPath(of: s, in: graph), keepOutputs: rule.keepsOutputsOnFailure,
                        signature: String(graph.signature(of: s), radix: 16),
                        attempt: environment["DBUILD_ATTEMPT"].flatMap { Int($0) },
                        previousExit: environment["DBUILD_ATTEMPT"] == nil ? nil : environment["DBUILD_PREVIOUS_EXIT"] ?? "",
                        inputs: inputs.isEmpty ? nil : inputs, needs: needs.isEmpty ? nil : needs, cutoff: job?.cutoff,
                        minimumBytes: rule.minimumOutputBytes > 0 ? rule.minimumOutputBytes : nil,
                        minimumFiles: rule.folderExpectation.minimumFiles > 0 ? rule.folderExpectation.minimumFiles : nil,
                        requiredEntries: rule.folderExpectation.requiredEntries.isEmpty ? nil : rule.folderExpectation.requiredEntries,
                        staged: job?.staging == nil ? nil : true)
    }

    /// Submits every array in order. The submission and its steps are recorded first, each job id as
    /// soon as it is known; if an sbatch fails, the arrays not submitted are withdrawn and the error
    /// is thrown (the arrays already submitted run, and are tracked).
    public func submit(state: StateStore, client: SlurmCommands, attempt: Int = 1) throws -> [SubmittedArray] {
        let steps = arrays.flatMap { array in
            array.tasks.enumerated().flatMap { task, members in
                members.map { SubmittedStep(name: graph.name(Int($0)), submission: context.id, array: array.index,
                                            task: task, attempt: attempt) }
            }
        }
        try state.recordSubmission(id: context.id, folder: context.folder, at: Date().timeIntervalSince1970, steps: steps)
        var jobIDs: [Int: String] = [:]
        var submitted: [SubmittedArray] = []
        for array in arrays {
            let rule = graph.description.rules[array.rule].name
            do {
                let id = try client.submit(script: SbatchScript.fileName(array, rule: rule),
                                           dependency: SbatchScript.dependencyFlag(array, jobIDs: jobIDs),
                                           comment: JobComment.array(submission: context.id, index: array.index).text, in: context.folder)
                jobIDs[array.index] = id
                let record = SubmittedArray(submission: context.id, array: array.index, rule: rule, jobID: id, tasks: array.tasks.count)
                try state.recordArrayJob(record)
                submitted.append(record)
            } catch {
                for rest in arrays where rest.index >= array.index {
                    try? state.withdrawSubmittedSteps(submission: context.id, array: rest.index)
                }
                throw error
            }
        }
        return submitted
    }

    /// The dry-run text: arrays with sizes, bundles, dependencies and resources.
    public func planText() -> String {
        let rules = graph.description.rules
        let tasks = arrays.reduce(0) { $0 + $1.tasks.count }
        let steps = arrays.reduce(0) { $0 + $1.stepCount }
        var out = "SLURM plan: \(steps) step\(steps == 1 ? "" : "s") in \(arrays.count) job array\(arrays.count == 1 ? "" : "s"), "
            + "\(tasks) array task\(tasks == 1 ? "" : "s") (cluster limits: MaxArraySize \(limits.maxArraySize), "
            + "MaxJobCount \(limits.maxJobCount); at most \(limits.taskBudget) tasks queued)\n"
            + "Limits planned under:\n" + limits.describedLines.map { "  " + $0 + "\n" }.joined()
        if !deferred.isEmpty {
            out += "Waves: the plan needs more tasks than may be queued at once; this wave submits the arrays below "
                + "(\(steps) step\(steps == 1 ? "" : "s")), and the other \(deferred.count) step\(deferred.count == 1 ? "" : "s") follow in later "
                + "waves, each submitted by a small continuation job once the wave before it has ended (nobody needs to stay logged in)\n"
        }
        let width = arrays.map { rules[$0.rule].name.count }.max() ?? 0
        for array in arrays {
            let rule = rules[array.rule]
            let r = resources(of: array)
            var line = "  array \(array.index)  dbuild:" + rule.name.padding(to: width)
                + "  \(array.tasks.count) task\(array.tasks.count == 1 ? "" : "s") × \(array.stepsPerTask) step\(array.stepsPerTask == 1 ? "" : "s")"
            let mpi = r.nodes > 1 || r.tasksPerNode > 1
            line += (mpi ? "  nodes \(max(1, r.nodes)) × \(max(1, r.tasksPerNode)) tasks, " : "  ")
                + "cpus \(r.cpus)" + (r.memoryMB > 0 ? ", mem \(r.memoryMB)M" : "")
                + (r.timeSeconds > 0 ? ", time \(SbatchScript.slurmTime(r.timeSeconds)) per step" : "")
                + (array.stepSeconds.map { " (bundled on recorded runs: \(SbatchScript.slurmTime($0)) per step)" } ?? "")
            if array.parallel > 1 { line += ", a farm: \(array.parallel) at once" }
            if array.escalation != Escalation() { line += " (escalated)" }
            let waits = array.dependencies.map { d -> String in
                switch d {
                case .afterAny(let a): return "afterany array \(a)"
                case .afterCorresponding(let a): return "aftercorr array \(a)"
                }
            } + array.externalJobIDs.map { "afterany job \($0)" }
            if !waits.isEmpty { line += "  — " + waits.joined(separator: ", ") }
            out += line + "\n"
        }
        let used = usageLines()
        if !used.isEmpty {
            out += "Requests against recorded use (.slurm(fitResources: true) asks for what was used):\n" + used.map { $0 + "\n" }.joined()
        }
        return out + cost.text
    }
}

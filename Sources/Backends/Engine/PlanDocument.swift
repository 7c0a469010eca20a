import Foundation
import Targets

/// `dbuild -n --json`: the plan as data (schema `dbuild.plan/1`, documented in the README under
/// "Machine-readable output"; fields are only ever added within a version). Every step is listed,
/// however many: a script wants them all, a person reads the text.
public struct PlanDocument: Codable, Equatable {
    public static let schemaName = "dbuild.plan/1"

    public struct Step: Codable, Equatable {
        public var step: String
        public var rule: String
        /// The reason's kind: "missing output", "input newer", "upstream will run", …
        public var reason: String
        /// The reason as `-n` prints it, naming the file or step.
        public var detail: String
        /// A hash rule's step that runs only if what it reads comes out changed (early cutoff).
        public var onlyIfChanged: Bool
    }

    public struct Array: Codable, Equatable {
        public var index: Int
        public var name: String
        public var tasks: Int
        public var stepsPerTask: Int
        public var cpus: Int
        public var memoryMB: Int
        /// The time limit one task asks for (0: none).
        public var timeSecondsPerTask: Int
        public var afterArrays: [Int]
        public var afterJobs: [String]
    }

    public struct Slurm: Codable, Equatable {
        public var arrays: [Array] = []
        /// Steps left for later waves (more tasks than may be queued at once).
        public var laterWaves = 0
    }

    public var schema = PlanDocument.schemaName
    public var selected: Int
    public var willRun: Int
    public var onlyIfChanged: Int
    /// Written one by one by `print` (empty here: ten million steps are not held twice).
    public var steps: [Step] = []
    public var slurm: Slurm?

    public init(_ plan: Plan, neededCount: Int) {
        selected = neededCount
        onlyIfChanged = plan.steps.reduce(0) { $0 + (Self.onlyIfChanged(plan, $1) ? 1 : 0) }
        willRun = plan.steps.count - onlyIfChanged
    }

    /// A hash rule's step that runs only because something upstream will run may come out clean.
    static func onlyIfChanged(_ plan: Plan, _ step: Int32) -> Bool {
        if case .upstream? = plan.reason(of: step) { return plan.graph.rule(of: Int(step)).staleness == .hash }
        return false
    }

    /// Prints the document with `plan`'s steps, as they are decided, without holding them all.
    public func print(_ plan: Plan, to write: (String) -> Void = JSONOutput.standardOutput) {
        let graph = plan.graph
        JSONOutput.printStreaming(self, key: "steps", count: plan.steps.count, element: { i in
            let step = plan.steps[i]
            let reason = plan.reason(of: step)!
            return [("step", .string(graph.name(Int(step)))), ("rule", .string(graph.rule(of: Int(step)).name)),
                    ("reason", .string(reason.kind)), ("detail", .string(reason.text(in: graph))),
                    ("onlyIfChanged", .bool(Self.onlyIfChanged(plan, step)))]
        }, to: write)
    }

    /// The SLURM arrays the plan would submit.
    public mutating func add(_ submitter: SlurmSubmitter) {
        let rules = submitter.graph.description.rules
        var slurm = Slurm(laterWaves: submitter.deferred.count)
        for array in submitter.arrays {
            let r = submitter.resources(of: array)
            slurm.arrays.append(Array(
                index: array.index, name: "dbuild:" + rules[array.rule].name, tasks: array.tasks.count,
                stepsPerTask: array.stepsPerTask, cpus: r.cpus, memoryMB: r.memoryMB,
                timeSecondsPerTask: r.timeSeconds > 0 ? array.taskSeconds(declared: r.timeSeconds) : 0,
                afterArrays: array.dependencies.map { d in
                    switch d { case .afterAny(let a), .afterCorresponding(let a): return a }
                },
                afterJobs: array.externalJobIDs))
        }
        self.slurm = slurm
    }

}

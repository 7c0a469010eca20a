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
    public var steps: [Step]
    public var slurm: Slurm?

    public init(_ plan: Plan, neededCount: Int) {
        let graph = plan.graph
        steps = plan.steps.map { step in
            let reason = plan.reason(of: step)!
            var conditional = false
            if case .upstream = reason { conditional = graph.rule(of: Int(step)).staleness == .hash }
            return Step(step: graph.name(Int(step)), rule: graph.rule(of: Int(step)).name, reason: reason.kind,
                        detail: reason.text(in: graph), onlyIfChanged: conditional)
        }
        selected = neededCount
        onlyIfChanged = steps.filter(\.onlyIfChanged).count
        willRun = steps.count - onlyIfChanged
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

    public func json() -> String { JSONOutput.text(self) }
}

import Rules
import Targets

/// One step, prepared to run: its shell command (placeholders filled), outputs and log file.
public struct StepJob: Sendable {
    public let step: Int32
    public let name: String
    public let rule: String
    public let command: String
    public let outputs: [String]
    public let logPath: String
    public let resources: Resources
    /// Added to the recipe's environment (a checkpointing rule's attempt number and previous end).
    public var environment: [String: String] = [:]

    public init(step: Int32, name: String, rule: String, command: String, outputs: [String], logPath: String,
                resources: Resources, environment: [String: String] = [:]) {
        self.step = step
        self.name = name
        self.rule = rule
        self.command = command
        self.outputs = outputs
        self.logPath = logPath
        self.resources = resources
        self.environment = environment
    }
}

/// How a step's run ended, as a backend saw it (before dbuild checks the outputs).
public enum StepEnd: Equatable, Sendable {
    case finished(ChildExit)
    case timedOut(seconds: Int)
    case couldNotStart(String)
    /// dbuild was asked to stop (SIGINT/SIGTERM) and stopped the recipe.
    case stopped
}

/// The side of a build that knows about state and files; a backend calls it around each step.
public protocol BuildDelegate: AnyObject {
    /// The job for a step that is about to start, or nil when it turned out not to need running
    /// (its upstream steps rebuilt byte-identical outputs).
    func prepare(_ step: Int32) -> StepJob?
    /// Called once the jobs are handed to the executor (before any of them can finish).
    func willStart(_ jobs: [StepJob])
    /// The step ended; returns whether it counts as built (exit 0 and every output present).
    func finished(_ job: StepJob, _ end: StepEnd, seconds: Double) -> Bool
}

/// An executor: takes a whole plan (a batch of steps with their order) and runs it.
public protocol Backend {
    /// Runs the plan's steps, reporting each through `delegate`. Returns true if it stopped because
    /// it was interrupted.
    func execute(_ plan: Plan, delegate: BuildDelegate, keepGoing: Bool, stop: StopSignal) -> Bool
}

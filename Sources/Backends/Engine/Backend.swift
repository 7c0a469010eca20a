import Basics
import Rules
import Targets

/// One step, prepared to run: its recipe (placeholders filled; the backend adds an MPI launcher),
/// inputs, outputs and log file, and what its outputs were before this attempt.
public struct StepJob: Sendable {
    public let step: Int32
    public let name: String
    public let rule: String
    public let command: String
    public let inputs: [String]
    public let outputs: [String]
    public let logPath: String
    public let resources: Resources
    /// Added to the recipe's environment (a checkpointing rule's attempt number and previous end).
    public var environment: [String: String] = [:]
    /// The outputs as they were when the step was prepared: a failed attempt removes only what it touched.
    public var before: OutputSnapshot
    /// Set when the step runs "only if what it reads comes out changed" and that cannot be known
    /// yet (its upstream steps run elsewhere, later): the array task decides before running it.
    public var cutoff: CutoffCheck?
    /// Set when the recipe writes into staging folders (its command names the staged paths): the
    /// outputs move into place only when it succeeded.
    public var staging: StagedOutputs?

    public init(step: Int32, name: String, rule: String, command: String, inputs: [String] = [], outputs: [String],
                logPath: String, resources: Resources, environment: [String: String] = [:],
                before: OutputSnapshot = OutputSnapshot(facts: []), cutoff: CutoffCheck? = nil) {
        self.step = step
        self.name = name
        self.rule = rule
        self.command = command
        self.inputs = inputs
        self.outputs = outputs
        self.logPath = logPath
        self.resources = resources
        self.environment = environment
        self.before = before
        self.cutoff = cutoff
    }
}

/// How a step's attempt ended, as a backend saw it (before dbuild checks the outputs).
public enum StepEnd: Equatable, Sendable {
    case finished(ChildExit)
    case timedOut(seconds: Int)
    case couldNotStart(String)
    /// dbuild was asked to stop (SIGINT/SIGTERM) and stopped the recipe.
    case stopped
    /// Not run: what it reads came out unchanged (early cutoff decided where it would have run).
    case unchanged(String)
    /// Never started: a step it needs failed or did not finish, or an input is missing. Nothing of
    /// the step's was touched.
    case blocked(String)
    /// Never started, and not for a failure (cancelled before it started). Nothing was touched.
    case notStarted(String)
    /// The scheduler ended it without a result: time limit, memory, cancelled while running, …
    case endedByScheduler(state: String, detail: String)
    /// Preempted, or its node failed: not the step's fault; it runs again.
    case preempted(String)
    /// It ran to its end, but what it reported cannot be read: its products are checked instead.
    case unreadableResult(String)
}

extension StepEnd {
    /// The recipe ran and exited 0.
    public var isSuccessfulExit: Bool {
        if case .finished(let exit) = self { return exit.succeeded }
        return false
    }
}

/// One outcome of one step, from any backend: the one type the engine records.
public struct StepOutcome: Sendable {
    public var step: Int32
    public var end: StepEnd
    public var seconds: Double
    /// Where it ran, when not here.
    public var host: String?
    /// What the outputs were before the attempt; a failed attempt's outputs that differ are removed.
    /// nil: nothing to remove here (the attempt never started, or the compute node already removed
    /// what it touched).
    public var before: OutputSnapshot?
    /// The signature the step ran with when it was prepared elsewhere (a submission's manifest).
    public var signature: UInt64?
    /// When the attempt was handed over: outputs older than this were not made by it.
    public var handedOverAt: Double?
    /// "job 123_4", for messages.
    public var place: String?
    /// The recipe's peak resident memory (KiB), when the process that ran it could tell.
    public var peakMemoryKB: Int?
    /// Staged outputs not yet moved into place (a recipe run here): the recorder moves them when
    /// the step succeeded, and removes them otherwise.
    public var staging: StagedOutputs?
    /// Outputs the place it ran found missing or unsound (an array task, which checked and moved
    /// staged outputs itself): the step failed, whatever is on disk here.
    public var unsoundOutputs: [String] = []
    /// What that place found wrong with them (`wrote stores/m1.zarr/: no zarr.json inside`).
    public var unsoundProblem: String?

    public init(step: Int32, end: StepEnd, seconds: Double = 0, host: String? = nil, before: OutputSnapshot? = nil,
                signature: UInt64? = nil, handedOverAt: Double? = nil, place: String? = nil) {
        self.step = step
        self.end = end
        self.seconds = seconds
        self.host = host
        self.before = before
        self.signature = signature
        self.handedOverAt = handedOverAt
        self.place = place
    }
}

/// An executor behind the engine (`Builder`): it starts steps and reports how they ended. The engine
/// owns the plan, decides what starts, records outcomes and unblocks dependents — for every backend.
public protocol Backend: AnyObject {
    /// Steps run as children of this process, so a crash of dbuild interrupts them (they are marked
    /// running in the state while they run). False for a scheduler, whose jobs outlive dbuild.
    var runsStepsHere: Bool { get }
    /// A scheduler that orders steps itself takes steps whose upstream steps have not finished yet
    /// (chained by dependencies); a local runner takes only ready ones.
    var ordersStepsItself: Bool { get }
    /// Whether `job` may start now besides `batch` (those about to start with it).
    func hasRoom(for job: StepJob, besides batch: [StepJob]) -> Bool
    /// Starts a batch of jobs; `stop` is the signal the next wait listens on. A job that cannot
    /// start is reported by the next wait. Returns the steps it left for later (a scheduler's queue
    /// has no room for them now): the engine takes them back, untouched.
    @discardableResult
    func start(_ jobs: [StepJob], stop: StopSignal) throws -> [Int32]
    /// Whether it takes more steps now (a scheduler with a wave out takes the next when it ends).
    var takesMoreSteps: Bool { get }
    /// Steps started (or adopted) and not reported yet.
    var outstanding: Int { get }
    /// Waits until steps end (or a stop is asked for, which a local backend passes on to its
    /// recipes) and returns their outcomes; nil when this process is not to wait for them (a
    /// submission left to the scheduler, or a stop while the scheduler runs the jobs).
    func waitForOutcomes(stop: StopSignal) throws -> [StepOutcome]?
    /// After a failed attempt: seconds until the step is run again, or nil to give up on it.
    func retryDelay(after outcome: StepOutcome, attempt: Int) -> Double?
}

extension Backend {
    public var takesMoreSteps: Bool { true }
}

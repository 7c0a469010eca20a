/// How a rule's steps go to a batch scheduler (SLURM): bundling, throttling, retries.
public struct BatchOptions: Equatable, Sendable {
    /// Steps run one after another by one array task; 0 lets dbuild choose from the cluster's limits.
    public var stepsPerTask = 0
    /// At most this many of the rule's array tasks run at once (`--array=…%N`); 0: no throttle.
    public var throttle = 0
    /// Failed steps are resubmitted this many times under `--wait`, with backoff.
    public var retries = 0
    /// On TIMEOUT the time limit is multiplied by this for the retry; on OUT_OF_MEMORY, the memory.
    public var timeFactor = 2.0
    public var memoryFactor = 2.0
    /// `--requeue`: the scheduler may requeue preempted tasks.
    public var requeue = false
    /// `--open-mode=append`: a requeued task appends to its log instead of truncating it.
    public var appendOutput = false
    /// A task farm: one array task asks for this many times a step's cpus (and memory) and runs
    /// this many of its bundle's steps at once. 1: one after another.
    public var parallel = 1
    /// Ask for what recorded runs used (95th percentile plus a margin, never below the most a
    /// successful run used) instead of the declared memory and time, once a rule has 5 or more.
    public var fitResources = false

    public init() {}
}

/// The backend a Datafile can choose as its default.
public enum BackendName: String, Sendable {
    case local
    case slurm
}

/// Makes `dbuild all` (with no `--backend`) use this backend.
public func defaultBackend(_ backend: BackendName) {
    DatafileBuilder.shared.defaultBackend = backend.rawValue
}

/// Runs `command` (with `sh -c`, in the project folder) when a build or a SLURM submission ends,
/// whether it succeeded or not: the summary is in its environment (`DBUILD_OUTCOME`,
/// `DBUILD_SUCCEEDED`, …) and, as JSON, on its standard input. `--on-finish` on the command line
/// replaces it for one run.
///
///     onFinish("mail -s \"dbuild: $DBUILD_OUTCOME\" me@example.org")
public func onFinish(_ command: String) {
    DatafileBuilder.shared.onFinish = command.isEmpty ? nil : command
}

extension Rule {
    /// How this rule's steps are submitted to SLURM.
    @discardableResult
    public func slurm(stepsPerTask: Int? = nil, throttle: Int? = nil, retries: Int? = nil, timeFactor: Double? = nil,
                      memoryFactor: Double? = nil, requeue: Bool? = nil, appendOutput: Bool? = nil, parallel: Int? = nil,
                      fitResources: Bool? = nil, line: Int = #line) -> Rule {
        let here = Declaration(file: declaration.file, line: line)
        var b = description.batch
        for (value, name, limit) in [(stepsPerTask, "stepsPerTask", 1_000_000), (throttle, "throttle", 1_000_000), (retries, "retries", 100), (parallel, "parallel", 1024)] {
            if let value, value < 0 || value > limit {
                here.fail("rule \(description.name): \(name) = \(value) is out of range; use 0 to \(limit)")
            }
        }
        for (value, name) in [(timeFactor, "timeFactor"), (memoryFactor, "memoryFactor")] {
            if let value, !(value >= 1 && value <= 100) {
                here.fail("rule \(description.name): \(name) = \(value) is out of range; use a factor from 1 to 100, e.g. 2")
            }
        }
        b.stepsPerTask = stepsPerTask ?? b.stepsPerTask
        b.throttle = throttle ?? b.throttle
        b.retries = retries ?? b.retries
        b.timeFactor = timeFactor ?? b.timeFactor
        b.memoryFactor = memoryFactor ?? b.memoryFactor
        b.requeue = requeue ?? b.requeue
        b.appendOutput = appendOutput ?? b.appendOutput
        if let parallel, parallel < 1 { here.fail("rule \(description.name): parallel = \(parallel) is out of range; use 1 to 1024") }
        b.parallel = parallel ?? b.parallel
        b.fitResources = fitResources ?? b.fitResources
        description.batch = b
        return self
    }
}

import Basics
import Backends
import Targets

/// Runs a plan one step at a time without processes: a step "runs" by writing each of its outputs
/// into the in-memory file system. Records the order of the steps that ran.
public final class FakeBackend: Backend {
    public let fileSystem: InMemoryFileSystem
    public private(set) var ran: [String] = []
    /// Steps whose recipe fails (after writing their outputs, to check those get removed).
    public var failing: Set<String> = []
    /// Steps whose recipe exits 0 without writing anything.
    public var lazy: Set<String> = []
    /// Steps that fail before writing anything (a launch error).
    public var failingAtLaunch: Set<String> = []
    /// What a step writes into each output; by default its name and command, so that a changed
    /// recipe changes the product.
    public var content: (StepJob, String) -> String = { job, output in "\(job.name) \(job.command) \(output)" }
    private var pending: [StepOutcome] = []

    public init(fileSystem: InMemoryFileSystem) { self.fileSystem = fileSystem }

    public var runsStepsHere: Bool { true }
    public var ordersStepsItself: Bool { false }
    public var outstanding: Int { pending.count }
    public func hasRoom(for job: StepJob, besides batch: [StepJob]) -> Bool { batch.isEmpty && pending.isEmpty }
    public func retryDelay(after outcome: StepOutcome, attempt: Int) -> Double? { nil }

    public func start(_ jobs: [StepJob], stop: StopSignal) throws -> [Int32] {
        for job in jobs {
            ran.append(job.name)
            if failingAtLaunch.contains(job.name) {
                pending.append(StepOutcome(step: job.step, end: .finished(.exited(127)), before: job.before))
                continue
            }
            if !lazy.contains(job.name) {
                for output in job.outputs { fileSystem.write(output, content(job, output)) }
            }
            let exit: ChildExit = failing.contains(job.name) ? .exited(1) : .exited(0)
            pending.append(StepOutcome(step: job.step, end: .finished(exit), seconds: 0.01, before: job.before))
        }
        return []
    }

    public func waitForOutcomes(stop: StopSignal) throws -> [StepOutcome]? {
        defer { pending.removeAll() }
        return pending
    }
}

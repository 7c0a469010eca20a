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
    /// What a step writes into each output; by default its name and command, so that a changed
    /// recipe changes the product.
    public var content: (StepJob, String) -> String = { job, output in "\(job.name) \(job.command) \(output)" }

    public init(fileSystem: InMemoryFileSystem) { self.fileSystem = fileSystem }

    public func execute(_ plan: Plan, delegate: BuildDelegate, keepGoing: Bool, stop: StopSignal) -> Bool {
        var going = true
        while going, let step = plan.nextReady() {
            guard let job = delegate.prepare(step) else {
                plan.stepSucceeded(step)
                continue
            }
            delegate.willStart([job])
            ran.append(job.name)
            if !lazy.contains(job.name) {
                for output in job.outputs { fileSystem.write(output, content(job, output)) }
            }
            let exit: ChildExit = failing.contains(job.name) ? .exited(1) : .exited(0)
            if delegate.finished(job, .finished(exit), seconds: 0.01) {
                plan.stepSucceeded(step)
            } else {
                plan.stepFailed(step)
                going = keepGoing
            }
        }
        return false
    }
}

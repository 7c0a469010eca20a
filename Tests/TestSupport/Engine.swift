import Backends
import Targets

/// A whole dbuild engine on fakes: an in-memory file system, an in-memory SQLite state store and the
/// fake backend, around a graph that tests can replace (to change a recipe between builds).
public final class Engine {
    public let fileSystem = InMemoryFileSystem()
    public let state: StateStore
    public var graph: Graph
    public var messages: [String] = []

    public init(_ fixture: GraphFixture) throws {
        graph = try fixture.graph()
        state = try StateStore(path: ":memory:")
    }

    public func scanner(forced: Bool = false) throws -> StalenessScanner {
        StalenessScanner(graph: graph, statuses: FileStatusCache(graph: graph, fileSystem: fileSystem),
                         hashes: ContentHashes(fileSystem: fileSystem, cache: try state.loadHashCache()),
                         records: try state.loadRecords(), interrupted: try state.loadInterrupted(), forced: forced)
    }

    /// The plan a build of `targets` would run.
    public func plan(_ targets: [String] = [], forced: Bool = false) throws -> (Plan, StalenessScanner) {
        let roots = try Selection.resolve(targets, in: graph)
        let scanner = try self.scanner(forced: forced)
        let reasons = try scanner.scan(needed: Selection.closure(of: roots, in: graph))
        return (Plan(graph: graph, reasons: reasons), scanner)
    }

    /// Builds and returns the names of the steps that ran, in order.
    @discardableResult
    public func build(_ targets: [String] = [], forced: Bool = false, keepGoing: Bool = false,
                      configure: (FakeBackend) -> Void = { _ in }) throws -> [String] {
        try buildWithSummary(targets, forced: forced, keepGoing: keepGoing, configure: configure).ran
    }

    public func buildWithSummary(_ targets: [String] = [], forced: Bool = false, keepGoing: Bool = false,
                                 configure: (FakeBackend) -> Void = { _ in }) throws -> (ran: [String], summary: BuildSummary) {
        let (plan, scanner) = try self.plan(targets, forced: forced)
        let builder = Builder(graph: graph, plan: plan, scanner: scanner, state: state)
        builder.say = { [weak self] in self?.messages.append($0) }
        builder.quiet = true
        let backend = FakeBackend(fileSystem: fileSystem)
        configure(backend)
        let summary = try builder.run(on: backend, keepGoing: keepGoing, stop: StopSignal())
        return (backend.ran, summary)
    }
}

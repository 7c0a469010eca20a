/// One stat per path per run: statuses indexed by the graph's string ids.
public final class FileStatusCache {
    private let graph: Graph
    public let fileSystem: FileSystem
    private var statuses: [FileStatus?]
    private var known: [Bool]

    public init(graph: Graph, fileSystem: FileSystem) {
        self.graph = graph
        self.fileSystem = fileSystem
        statuses = Array(repeating: nil, count: graph.description.strings.count)
        known = Array(repeating: false, count: graph.description.strings.count)
    }

    public func status(_ id: UInt32) -> FileStatus? {
        let i = Int(id)
        if !known[i] {
            statuses[i] = fileSystem.status(graph.string(id))
            known[i] = true
        }
        return statuses[i]
    }

    /// Forget what was seen: the step that writes this path just ran.
    public func invalidate(_ id: UInt32) { known[Int(id)] = false }
}

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

    /// Paths seen (and not invalidated since) whose size or mtime is no longer what was seen: written
    /// by something other than the step that declares them, while this run went on.
    public func changedSinceSeen() -> [UInt32] {
        var changed: [UInt32] = []
        for i in known.indices where known[i] {
            let now = fileSystem.status(graph.string(UInt32(i)))
            if now?.size != statuses[i]?.size || now?.mtimeNanos != statuses[i]?.mtimeNanos { changed.append(UInt32(i)) }
        }
        return changed
    }
}

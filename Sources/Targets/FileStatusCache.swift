import Dispatch
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

    fileprivate var pathCount: Int { known.count }

    /// Paths seen (and not invalidated since) whose size or mtime is no longer what was seen: written
    /// by something other than the step that declares them, while this run went on.
    /// (Two halves on two threads when the file system allows: at 40,000 products these stats were
    /// most of what a build of one step costs beyond a no-op.)
    public func changedSinceSeen() -> [UInt32] {
        let other = known.count >= 4_096 ? fileSystem.forAnotherThread() : nil
        guard let other else { return changed(in: 0..<known.count, files: fileSystem) }
        let halves = Halves(self, [fileSystem, other])
        DispatchQueue.concurrentPerform(iterations: 2) { halves.run($0) }
        return halves.results()
    }

    /// (Called once every step has ended: nothing writes, so lookups may go through open folders.)
    fileprivate func changed(in range: Range<Int>, files: FileSystem) -> [UInt32] {
        files.beginScan()
        defer { files.endScan() }
        var changed: [UInt32] = []
        for i in range where known[i] {
            let now = files.status(graph.string(UInt32(i)))
            if now?.size != statuses[i]?.size || now?.mtimeNanos != statuses[i]?.mtimeNanos { changed.append(UInt32(i)) }
        }
        return changed
    }
}

/// The two halves of a re-check: each thread reads the cache (not changed meanwhile) with its own
/// file system and writes only its own result slot.
private final class Halves: @unchecked Sendable {
    let cache: FileStatusCache
    let files: [FileSystem]
    let slots: UnsafeMutableBufferPointer<[UInt32]>

    init(_ cache: FileStatusCache, _ files: [FileSystem]) {
        self.cache = cache
        self.files = files
        slots = .allocate(capacity: 2)
        slots.initialize(repeating: [])
    }

    deinit { slots.deinitialize().deallocate() }

    func run(_ half: Int) {
        let count = cache.pathCount, middle = count / 2
        slots[half] = cache.changed(in: half == 0 ? 0..<middle : middle..<count, files: files[half])
    }

    func results() -> [UInt32] { slots[0] + slots[1] }
}

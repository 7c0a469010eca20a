import Rules

/// Decides, for each needed step, whether it must run and why. Pure decision: it reads files'
/// status and hashes and the recorded state, and changes nothing.
///
/// Checks, in order: an output missing; forced; interrupted; the last attempt failed; signature changed; an input changed (by
/// mtime or by content, per rule); an upstream step will run. A step with outputs present but no record
/// (made before dbuild, or by hand) is judged by mtime alone, like make, and never silently rebuilt.
public final class StalenessScanner {
    public let graph: Graph
    public let statuses: FileStatusCache
    public let hashes: ContentHashes
    public let records: [String: StepRecord]
    public let interrupted: Set<String>
    /// The steps in `interrupted` belong to a dbuild alive now (not this process): they are running.
    public var runningElsewhere = false
    /// Steps whose last attempt failed (the state's failures): never up to date, whatever is on disk.
    public let failed: Set<String>
    public let forced: Bool
    /// Inputs whose mtime and content never make a step stale (`existing`).
    private let presenceOnly: Set<UInt32>
    /// Folder products' trees as their steps left them: what names the file that changed.
    public var recordedTrees: [String: FolderTree] = [:]
    /// Steps of `.temporary()` rules whose outputs were removed on purpose after use.
    public var removedTemporaries: Set<String> = []

    public init(graph: Graph, statuses: FileStatusCache, hashes: ContentHashes, records: [String: StepRecord],
                interrupted: Set<String>, failed: Set<String> = [], forced: Bool) {
        self.graph = graph
        self.statuses = statuses
        self.hashes = hashes
        self.records = records
        self.interrupted = interrupted
        self.failed = failed
        presenceOnly = graph.presenceOnly
        self.forced = forced
    }

    /// Reasons for every needed step (nil: up to date), walking in topological order so that
    /// "upstream will run" is known. Throws when a needed source file is missing.
    public func scan(needed: [Bool]) throws -> [StaleReason?] {
        var reasons = [StaleReason?](repeating: nil, count: graph.stepCount)
        for step32 in graph.topologicalOrder where needed[Int(step32)] {
            let step = Int(step32)
            try checkSources(of: step)
            try checkOutputsAreFiles(of: step)
            if let own = ownReason(step, pending: reasons) {
                reasons[step] = own
            } else if let upstream = graph.dependencies(of: step).first(where: { reasons[Int($0)] != nil }) {
                reasons[step] = .upstream(step: upstream)
            }
        }
        if !removedTemporaries.isEmpty || !purgedRoots.isEmpty {
            // A step that must run needs what it reads: removed temporaries it reads are made again
            // (latest first, so a chain of them is made whole).
            for step32 in graph.topologicalOrder.reversed() where reasons[Int(step32)] != nil {
                for dependency in graph.dependencies(of: Int(step32)) where reasons[Int(dependency)] == nil && isRemovedTemporary(Int(dependency)) {
                    reasons[Int(dependency)] = .temporaryNeeded(by: step32)
                }
            }
        }
        return reasons
    }

    /// A step whose outputs are gone on purpose: a `.temporary()` step's, removed by dbuild after
    /// use, or an intermediate's (something reads it) on a root the centre purges, made before.
    /// Either is made again only when a step that reads it must run.
    public func isRemovedTemporary(_ step: Int) -> Bool {
        let outputs = graph.outputIDs(of: step)
        if !removedTemporaries.isEmpty, removedTemporaries.contains(graph.name(step)) {
            return outputs.allSatisfy { statuses.status($0) == nil }
        }
        guard !purgedRoots.isEmpty, records[graph.name(step)] != nil, !graph.dependents(of: step).isEmpty else { return false }
        return outputs.allSatisfy { id in
            guard let (root, _) = RootLocations.split(graph.string(id)), purgedRoots.contains(root) else { return false }
            return statuses.status(id) == nil
        }
    }

    /// Roots the centre purges on this machine (`RootLocations.purgeDays`).
    private lazy var purgedRoots: Set<String> = Set(graph.roots.purgeDays.keys)

    /// An input's content hash; for an output of a removed temporary, the hash recorded when it was made.
    private func inputHash(_ id: UInt32) -> UInt64? {
        if let hash = hashes.hash(graph.string(id)) { return hash }
        let producer = Int(graph.producer[Int(id)])
        guard producer >= 0, isRemovedTemporary(producer), let record = records[graph.name(producer)] else { return nil }
        let outputs = graph.outputIDs(of: producer)
        guard record.outputHashes.count == outputs.count, let i = outputs.firstIndex(of: id) else { return nil }
        return record.outputHashes[i - outputs.startIndex]          // (a slice: its indices are the graph's)
    }

    private func checkSources(of step: Int) throws {
        for id in graph.inputIDs(of: step) where graph.producer[Int(id)] < 0 {
            if statuses.status(id) == nil {
                throw GraphError.missingSource(path: graph.string(id), neededBy: graph.name(step), place: graph.place(of: step))
            }
        }
    }

    /// An output path that exists as a folder, device, pipe or socket (e.g. a link to /dev/null) is
    /// refused before anything runs: dbuild would otherwise remove or overwrite it.
    private func checkOutputsAreFiles(of step: Int) throws {
        for id in graph.outputIDs(of: step) {
            let path = graph.string(id)
            if isFolderPath(path) {
                if let status = statuses.status(id), status.type != .folder {
                    throw GraphError.unusableOutput(path: path, step: graph.name(step), place: graph.place(of: step),
                        problem: "it is declared a folder (dir) but exists as \(status.type.text); move it aside, or declare a file")
                }
            } else if let status = statuses.status(id), !status.isRegularFile {
                throw GraphError.unusableOutput(path: path, step: graph.name(step), place: graph.place(of: step),
                    problem: "it exists as \(status.type.text), not a regular file; dbuild never removes or replaces "
                        + "such a thing, so choose another output path"
                        + (status.type == .folder ? " — or, if the step makes this folder, declare it with dir(\"\(path)\")" : ""))
            }
        }
    }

    /// The step's own reason to run. Inputs whose producer is `pending` (will run first) are not
    /// compared: they are about to be remade, and whether that matters is decided after it happens.
    public func ownReason(_ step: Int, pending: [StaleReason?]? = nil) -> StaleReason? {
        var oldestOutput = Int64.max
        let check = graph.productCheck(of: step)
        let removed = isRemovedTemporary(step)
        if removed, let record = records[graph.name(step)], record.outputCount > 0 {
            oldestOutput = (0..<record.outputCount).map(record.outputMtime).min() ?? 0     // as they were when made
        }
        for id in graph.outputIDs(of: step) where !removed {
            let status = statuses.status(id)
            switch check.problem(status, path: graph.string(id)) {
            case .missing?: return .missingOutput(path: id)
            case .tooSmall?: return .outputTooSmall(path: id)
            default: oldestOutput = min(oldestOutput, status?.mtimeNanos ?? 0)
            }
        }
        if forced { return .forced }
        let name = graph.name(step)
        if interrupted.contains(name) { return runningElsewhere ? .runningNow : .interrupted }
        if failed.contains(name) { return .lastAttemptFailed }
        let upcoming: (UInt32) -> Bool = { id in
            guard let pending else { return false }
            let producer = self.graph.producer[Int(id)]
            return producer >= 0 && pending[Int(producer)] != nil
        }
        guard let record = records[name] else {
            return removed ? .missingOutput(path: graph.outputIDs(of: step)[0]) : newerInput(step, than: oldestOutput, skipping: upcoming)
        }
        if record.signature != graph.signature(of: step) { return .signatureChanged }
        if !removed, let changed = changedOutput(step, record) {
            let path = graph.string(changed)
            if isFolderPath(path), let recorded = recordedTrees[path], let now = statuses.fileSystem.tree(path) {
                let detail = FolderTree.describe(now.differences(from: recorded))
                if !detail.isEmpty { return .folderChanged(path: changed, detail: detail) }
            }
            return .outputChanged(path: changed)
        }
        switch graph.rule(of: step).staleness {
        case .mtime:
            return newerInput(step, than: oldestOutput, skipping: upcoming)
        case .hash:
            let inputs = graph.inputIDs(of: step)
            guard record.inputHashes.count == inputs.count else { return .signatureChanged }
            for (i, id) in inputs.enumerated() where !upcoming(id) && !presenceOnly.contains(id)
                && inputHash(id) != record.inputHashes[i] {
                return .inputChanged(path: id)
            }
            return nil
        }
    }

    /// An output that is not what the step left: a different size, or (hash rules, whose output
    /// hashes are recorded) a different mtime and different content. A touched output alone is not a
    /// change, as in make; a folder product whose newest mtime moved (a file added, removed or
    /// rewritten inside) is, unless its content is recorded and the same.
    private func changedOutput(_ step: Int, _ record: StepRecord) -> UInt32? {
        let outputs = graph.outputIDs(of: step)
        guard record.outputCount == outputs.count else { return nil }
        for (i, id) in outputs.enumerated() {
            guard let status = statuses.status(id) else { continue }
            if status.size != record.outputSize(i) { return id }
            guard status.mtimeNanos != record.outputMtime(i) else { continue }
            if record.outputHashes.count == outputs.count {
                if hashes.hash(graph.string(id)) != record.outputHashes[i] { return id }
            } else if status.type == .folder {
                return id
            }
        }
        return nil
    }

    private func newerInput(_ step: Int, than oldestOutput: Int64, skipping upcoming: (UInt32) -> Bool) -> StaleReason? {
        for id in graph.inputIDs(of: step) where !upcoming(id) {
            if let status = statuses.status(id), status.mtimeNanos > oldestOutput,
               presenceOnly.isEmpty || !presenceOnly.contains(id) { return .inputNewer(path: id) }
        }
        return nil
    }

    /// What to record for a step that just succeeded.
    public func record(of step: Int, duration: Double, finishedAt: Double) -> StepRecord {
        StalenessScanner.record(of: step, in: graph, hashes: hashes, duration: duration, finishedAt: finishedAt)
    }

    /// The record of a successful step: its signature, and the content hashes that hash-policy
    /// staleness and early cutoff compare next time (inputs for a hash rule; outputs when the rule or
    /// one of its dependents uses hashes).
    public static func record(of step: Int, in graph: Graph, hashes: ContentHashes, signature: UInt64? = nil,
                              duration: Double, finishedAt: Double) -> StepRecord {
        let usesHashes = graph.rule(of: step).staleness == .hash
        // A presence-only input is never compared: recorded as 0, never read.
        let presenceOnly = graph.presenceOnly
        let inputs = usesHashes ? graph.inputIDs(of: step).map { presenceOnly.contains($0) ? 0 : hashes.hash(graph.string($0)) ?? 0 } : []
        let feedsHashes = usesHashes || graph.dependents(of: step).contains { graph.rule(of: Int($0)).staleness == .hash }
        let outputs = feedsHashes ? graph.outputIDs(of: step).map { hashes.hash(graph.string($0)) ?? 0 } : []
        let facts = graph.outputIDs(of: step).map { hashes.fileSystem.status(graph.string($0)) }
        return StepRecord(signature: signature ?? graph.signature(of: step), inputHashes: inputs,
                          outputHashes: outputs, outputSizes: facts.map { $0?.size ?? -1 },
                          outputMtimes: facts.map { $0?.mtimeNanos ?? -1 }, finishedAt: finishedAt, duration: duration)
    }
}

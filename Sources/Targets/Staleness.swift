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
    /// Steps whose last attempt failed (the state's failures): never up to date, whatever is on disk.
    public let failed: Set<String>
    public let forced: Bool
    /// Inputs whose mtime and content never make a step stale (`existing`).
    private let presenceOnly: Set<UInt32>

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
        return reasons
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
            if let status = statuses.status(id), !status.isRegularFile {
                throw GraphError.unusableOutput(path: graph.string(id), step: graph.name(step), place: graph.place(of: step),
                    problem: "it exists as \(status.type.text), not a regular file; dbuild never removes or replaces "
                        + "such a thing, so choose another output path")
            }
        }
    }

    /// The step's own reason to run. Inputs whose producer is `pending` (will run first) are not
    /// compared: they are about to be remade, and whether that matters is decided after it happens.
    public func ownReason(_ step: Int, pending: [StaleReason?]? = nil) -> StaleReason? {
        var oldestOutput = Int64.max
        let check = graph.productCheck(of: step)
        for id in graph.outputIDs(of: step) {
            let status = statuses.status(id)
            switch check.problem(status) {
            case .missing?: return .missingOutput(path: id)
            case .tooSmall?: return .outputTooSmall(path: id)
            default: oldestOutput = min(oldestOutput, status?.mtimeNanos ?? 0)
            }
        }
        if forced { return .forced }
        let name = graph.name(step)
        if interrupted.contains(name) { return .interrupted }
        if failed.contains(name) { return .lastAttemptFailed }
        let upcoming: (UInt32) -> Bool = { id in
            guard let pending else { return false }
            let producer = self.graph.producer[Int(id)]
            return producer >= 0 && pending[Int(producer)] != nil
        }
        guard let record = records[name] else { return newerInput(step, than: oldestOutput, skipping: upcoming) }
        if record.signature != graph.signature(of: step) { return .signatureChanged }
        if let changed = changedOutput(step, record) { return .outputChanged(path: changed) }
        switch graph.rule(of: step).staleness {
        case .mtime:
            return newerInput(step, than: oldestOutput, skipping: upcoming)
        case .hash:
            let inputs = graph.inputIDs(of: step)
            guard record.inputHashes.count == inputs.count else { return .signatureChanged }
            for (i, id) in inputs.enumerated() where !upcoming(id) && !presenceOnly.contains(id)
                && hashes.hash(graph.string(id)) != record.inputHashes[i] {
                return .inputChanged(path: id)
            }
            return nil
        }
    }

    /// An output that is not what the step left: a different size, or (hash rules, whose output
    /// hashes are recorded) a different mtime and different content. A touched output alone is not a
    /// change, as in make.
    private func changedOutput(_ step: Int, _ record: StepRecord) -> UInt32? {
        let outputs = graph.outputIDs(of: step)
        guard record.outputCount == outputs.count else { return nil }
        for (i, id) in outputs.enumerated() {
            guard let status = statuses.status(id) else { continue }
            if status.size != record.outputSize(i) { return id }
            if status.mtimeNanos != record.outputMtime(i), record.outputHashes.count == outputs.count,
               hashes.hash(graph.string(id)) != record.outputHashes[i] {
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

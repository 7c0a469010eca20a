import Foundation
import Basics
import Targets
import Backends

/// `dbuild build --continue-wave FOLDER`, run by a wave's continuation job on a compute node: it
/// submits the steps the wave left (`next-wave`), judged again against the state (what is up to
/// date, queued or running is not submitted again). It submits only those steps: a step they need
/// that did not succeed in the wave before blocks them (recorded, shown by `status`), as a failure
/// inside one submission would — a continuation never retries a failure on its own. After a wave
/// that made what the Datafile reads (`grows`), the Datafile is evaluated again and every stale step
/// of the chain's selection may be submitted too, except those that failed since the chain began.
public struct WaveContinuation {
    public let folder: String
    public let next: NextWave

    public init(folder: String) throws {
        let absolute = folder.hasPrefix("/") ? folder : FileManager.default.currentDirectoryPath + "/" + folder
        guard let next = NextWave.read(absolute) else {
            throw DbuildFailure.usage("\(absolute)/next-wave is missing or unreadable: this is not a submission that left steps "
                + "for a next wave; dbuild all --backend slurm submits what is left")
        }
        self.folder = absolute
        self.next = next
    }

    /// `dbuild cancel` stopped the chain after this job was queued.
    public var wasCancelled: Bool { FileManager.default.fileExists(atPath: NextWave.cancelledPath(folder)) }

    /// What to select in the graph: the steps left, and the chain's targets when the graph grew.
    public func selection(in graph: Graph) -> [String] {
        next.steps.filter { graph.step(named: $0) != nil } + (next.grows.isEmpty ? [] : next.targets.isEmpty ? ["all"] : next.targets)
    }

    /// Steps that failed since the chain began: not submitted again by a continuation.
    public func failedInChain(_ failures: [String: FailureRecord]) -> Set<String> {
        Set(failures.filter { $0.value.failedAt >= next.since }.keys)
    }

    /// The reasons to run, kept for the steps the continuation may submit (those listed; with a
    /// graph that grew or grows still, any needed step that did not fail in the chain); those that need a step that is
    /// not up to date (and not queued elsewhere) are blocked, with the step that blocks them.
    public func restrict(_ reasons: [StaleReason?], graph: Graph, inFlight: [Int32: String?], needed: [Bool], growing: Bool, failed: Set<String>)
        -> (reasons: [StaleReason?], blocked: [(name: String, blocker: String)]) {
        var listed = [Bool](repeating: false, count: graph.stepCount)
        for name in next.steps { if let step = graph.step(named: name) { listed[step] = true } }
        if growing || !next.grows.isEmpty {
            for step in 0..<graph.stepCount where needed[step] && !failed.contains(graph.name(step)) { listed[step] = true }
        }
        var blockedBy = [Int32](repeating: -1, count: graph.stepCount)
        var result = [StaleReason?](repeating: nil, count: graph.stepCount)
        var blocked: [(name: String, blocker: String)] = []
        for step32 in graph.topologicalOrder {
            let step = Int(step32)
            guard listed[step], reasons[step] != nil else { continue }
            for d in graph.dependencies(of: step) {
                if blockedBy[Int(d)] >= 0 {
                    blockedBy[step] = blockedBy[Int(d)]
                } else if !listed[Int(d)] && reasons[Int(d)] != nil && inFlight[d] == nil {
                    blockedBy[step] = d
                }
                if blockedBy[step] >= 0 { break }
            }
            if blockedBy[step] >= 0 {
                let blocker = graph.name(Int(blockedBy[step]))
                blocked.append((graph.name(step), "blocked by \(blocker), which did not succeed before wave \(next.wave + 1)"))
            } else {
                result[step] = reasons[step]
            }
        }
        return (result, blocked)
    }
}

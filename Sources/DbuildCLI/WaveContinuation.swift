import Foundation
import Targets
import Backends

/// `dbuild build --continue-wave FOLDER`, run by a wave's continuation job on a compute node: it
/// submits the steps the wave left (`next-wave`), judged again against the state (what is up to
/// date, queued or running is not submitted again). It submits only those steps: a step they need
/// that did not succeed in the wave before blocks them (recorded, shown by `status`), as a failure
/// inside one submission would — a continuation never retries a failure on its own.
struct WaveContinuation {
    let folder: String
    let next: NextWave

    init(folder: String) throws {
        let absolute = folder.hasPrefix("/") ? folder : FileManager.default.currentDirectoryPath + "/" + folder
        guard let next = NextWave.read(absolute) else {
            throw DbuildFailure.usage("\(absolute)/next-wave is missing or unreadable: this is not a submission that left steps "
                + "for a next wave; dbuild all --backend slurm submits what is left")
        }
        self.folder = absolute
        self.next = next
    }

    /// `dbuild cancel` stopped the chain after this job was queued.
    var wasCancelled: Bool { FileManager.default.fileExists(atPath: NextWave.cancelledPath(folder)) }

    /// The reasons to run, kept for the listed steps only; listed steps that need a step that is not
    /// up to date (and not queued elsewhere) are blocked, with the step that blocks them.
    func restrict(_ reasons: [StaleReason?], graph: Graph, inFlight: [Int32: String])
        -> (reasons: [StaleReason?], blocked: [(name: String, blocker: String)]) {
        var listed = [Bool](repeating: false, count: graph.stepCount)
        for name in next.steps { if let step = graph.step(named: name) { listed[step] = true } }
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

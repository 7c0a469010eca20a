import Foundation
import Basics
import Targets

/// Records steps whose products exist but that dbuild has no record of (made elsewhere, or the
/// records were lost), after checking the products as `verify` does: present, regular files, at
/// least the rule's minimum size, HDF5 expectations met. Nothing is run. Shared by `adopt` and
/// `state repair`.
public struct Adoption {
    public var adopted = 0
    public var alreadyRecorded = 0
    /// "step: problem" for steps whose products are missing or broken (they will be built).
    public var skipped: [String] = []

    public static func run(_ project: Project, steps: [Int], state: StateStore) throws -> Adoption {
        let graph = project.graph
        try HDF5Expectations.requireLibrary(for: graph.description.rules)
        let records = try state.loadRecords()
        let hashes = ContentHashes(fileSystem: project.fileSystem, cache: try state.loadHashCache())
        var result = Adoption()
        // Committed in batches: a campaign of 10^6 is recorded in seconds, and a kill loses one batch.
        var batch: [(name: String, record: StepRecord)] = []
        for step in steps {
            if records[graph.name(step)] != nil { result.alreadyRecorded += 1; continue }
            let rule = graph.rule(of: step)
            let check = ProductCheck(minimumBytes: rule.minimumOutputBytes, folder: rule.folderExpectation, content: rule.hdf5Checks.isEmpty ? nil : { path in
                HDF5Expectations.problem(project.fileSystem.absolute(path), rule.hdf5Checks)
            })
            if let (path, problem) = check.firstProblem(graph.outputs(of: step), in: project.fileSystem) {
                result.skipped.append("\(graph.name(step)): \(path): \(problem.text)")
                continue
            }
            batch.append((graph.name(step), StalenessScanner.record(of: step, in: graph, hashes: hashes, duration: 0,
                                                                    finishedAt: Date().timeIntervalSince1970)))
            result.adopted += 1
            if batch.count == 10_000 { try state.recordSuccesses(batch); batch.removeAll(keepingCapacity: true) }
        }
        try state.recordSuccesses(batch)
        try state.saveHashes(hashes.takeFresh())
        return result
    }

    /// The lines `adopt` and `state repair` print about the skipped steps (at most 20).
    public var skippedLines: [String] {
        var lines = skipped.prefix(20).map { "  \($0)" }
        if skipped.count > 20 { lines.append("  … and \(skipped.count - 20) more (dbuild verify --missing lists them)") }
        return lines
    }
}

import ArgumentParser
import Foundation
import Targets

/// `dbuild adopt [prefix]`: records products that exist but were not made by dbuild (an existing
/// campaign, or a lost `.dbuild/`), after checking them as `verify` does, so they are neither trusted
/// blindly nor recomputed.
struct AdoptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "adopt", abstract: "Record existing products that dbuild did not make.")

    @OptionGroup var project: ProjectOptions
    @Argument(help: "Step names or prefixes (default: all).") var targets: [String] = []

    func run() throws {
        let project = try Project(options: self.project)
        let graph = project.graph
        try ProjectLock.acquire(in: project.dotDbuild)
        let (roots, _) = try project.select(targets)
        let state = try project.openState(readOnly: false)
        let records = try state.loadRecords()
        let hashes = ContentHashes(fileSystem: project.fileSystem, cache: try state.loadHashCache())
        var adopted = 0
        var skipped: [String] = []
        // Committed in batches: a campaign of 10^6 is recorded in seconds, and a kill loses one batch.
        var batch: [(name: String, record: StepRecord)] = []
        for step in roots where records[graph.name(step)] == nil {
            let rule = graph.rule(of: step)
            let problems = graph.outputs(of: step).compactMap { path -> String? in
                guard let status = project.fileSystem.status(path) else { return "\(path) is missing" }
                if !status.isRegularFile { return "\(path) is not a regular file" }
                if status.size < rule.minimumOutputBytes { return "\(path) has \(status.size) bytes, expected at least \(rule.minimumOutputBytes)" }
                return HDF5Expectations.problem(project.fileSystem.absolute(path), rule.hdf5Checks).map { "\(path): \($0)" }
            }
            if let first = problems.first {
                skipped.append("\(graph.name(step)): \(first)")
                continue
            }
            let record = StalenessScanner.record(of: step, in: graph, hashes: hashes, duration: 0,
                                                 finishedAt: Date().timeIntervalSince1970)
            batch.append((graph.name(step), record))
            adopted += 1
            if batch.count == 10_000 { try state.recordSuccesses(batch); batch.removeAll(keepingCapacity: true) }
        }
        try state.recordSuccesses(batch)
        try state.saveHashes(hashes.takeFresh())
        print("Adopted \(adopted) step\(adopted == 1 ? "" : "s"); \(roots.count - adopted - skipped.count) already recorded; "
              + "\(skipped.count) not adopted (their products are missing or broken).")
        for line in skipped.prefix(20) { print("  \(line)") }
        if skipped.count > 20 { print("  … and \(skipped.count - 20) more (dbuild verify --missing lists them)") }
    }
}

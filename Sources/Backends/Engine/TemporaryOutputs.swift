import Foundation
import Rules
import Targets

/// `.temporary()` rules' outputs are removed once every step that reads them has succeeded (has a
/// record, its last attempt did not fail, and it did not stay unfinished in this build's plan); the steps are then remembered as
/// removed on purpose (`StateStore.markTemporariesRemoved`), so that their missing outputs make
/// nothing run until a reader must (`StalenessScanner.isRemovedTemporary`).
public enum TemporaryOutputs {
    /// Removes what can go; returns the names of the steps whose outputs were removed.
    public static func removeUsed(graph: Graph, records: [String: StepRecord], failed: Set<String>,
                                  settled: (Int32) -> Bool, in disk: DiskFileSystem) -> [String] {
        var removed: [String] = []
        for step in 0..<graph.stepCount where graph.rule(of: step).isTemporary {
            let name = graph.name(step)
            guard records[name] != nil, !failed.contains(name), settled(Int32(step)) else { continue }
            let outputs = graph.outputs(of: step)
            guard outputs.contains(where: { disk.status($0) != nil }) else { continue }
            let readers = graph.dependents(of: step)
            let allRead = !readers.isEmpty && readers.allSatisfy { reader in
                let readerName = graph.name(Int(reader))
                return records[readerName] != nil && !failed.contains(readerName) && settled(reader)
            }
            guard allRead else { continue }
            for output in outputs {
                if isFolderPath(output) { try? FileManager.default.removeItem(atPath: String(disk.absolute(output).dropLast())) }
                else { disk.removeFile(output) }
            }
            removed.append(name)
        }
        return removed
    }
}

import Foundation
import Basics
import Rules
import Targets
import Backends

/// The steps an evaluation dropped (a row removed from a catalog, a rule renamed) with the outputs
/// they had, kept in the graph's cache entry (`undeclared`: one line per step, its name and outputs,
/// tab-separated) so that `dbuild clean --undeclared` can remove those products on request. dbuild
/// never removes them on its own. Notes are carried from entry to entry as the Datafile changes.
public enum UndeclaredProducts {
    /// A dropped step: its identity key (see `stepKeys`), name and outputs.
    public typealias Entry = (key: UInt64, name: String, outputs: [String])

    public static func path(_ cacheEntry: String) -> String { cacheEntry + "/undeclared" }
    public static func keysPath(_ cacheEntry: String) -> String { cacheEntry + "/stepkeys.bin" }

    /// One number per step for its identity (rule and parameter values, as its name), computed from
    /// the hashes of the few distinct parameter strings: comparing two graphs of 10^6 steps must not
    /// build 2·10^6 names on every Datafile edit.
    public static func stepKeys(_ graph: GraphDescription) -> [UInt64] {
        var stringHash = [UInt64](repeating: 0, count: graph.strings.count)
        let ruleHash = graph.rules.map { xxh3($0.name) }
        return (0..<graph.stepCount).map { step in
            var key = ruleHash[Int(graph.stepRule[step])]
            for id in graph.parameters(ofStep: step) {
                if stringHash[Int(id)] == 0 { stringHash[Int(id)] = xxh3(graph.strings[Int(id)]) | 1 }
                key = (key ^ stringHash[Int(id)]) &* 0x9E37_79B9_7F4A_7C15
                key ^= key >> 29
            }
            return key
        }
    }

    /// The notes to keep beside a graph whose step keys are `newKeys`: the earlier notes and the
    /// steps of the graph it replaces that it no longer declares, less the steps declared again.
    /// The old graph is decoded only when a step was dropped.
    public static func carried(notes: [Entry], oldKeys: [UInt64]?, oldGraph: () -> GraphDescription?, newKeys: [UInt64]) -> [Entry] {
        guard oldKeys != nil || !notes.isEmpty else { return [] }     // a first evaluation: no set of 10^7 keys
        let current = Set(newKeys)
        var entries = notes.filter { !current.contains($0.key) }
        guard let oldKeys else { return entries }
        let dropped = oldKeys.indices.filter { !current.contains(oldKeys[$0]) }
        guard !dropped.isEmpty, let old = oldGraph() else { return entries }
        var known = Set(entries.map(\.key))
        for step in dropped where known.insert(oldKeys[step]).inserted {
            entries.append((oldKeys[step], old.name(ofStep: step), old.outputs(ofStep: step).map { old.strings[Int($0)] }))
        }
        return entries
    }

    public static func read(_ cacheEntry: String) -> [Entry] {
        (readFile(path(cacheEntry)) ?? "").split(separator: "\n").compactMap { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 3, let key = UInt64(fields[0], radix: 16) else { return nil }
            return (key, fields[1], Array(fields.dropFirst(2)))
        }
    }

    public static func write(_ entries: [Entry], _ cacheEntry: String) throws {
        if entries.isEmpty { unlink(path(cacheEntry)); return }
        let text = entries.map { ([String($0.key, radix: 16), $0.name] + $0.outputs).joined(separator: "\t") + "\n" }.joined()
        try writeAtomically(Data(text.utf8), to: path(cacheEntry))
    }

    public static func readKeys(_ cacheEntry: String) -> [UInt64]? {
        guard let bytes = readFileBytes(keysPath(cacheEntry)) else { return nil }
        return bytes.withUnsafeBytes { raw in
            (0..<raw.count / 8).map { UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)) }
        }
    }

    public static func writeKeys(_ keys: [UInt64], _ cacheEntry: String) throws {
        let bytes = keys.withUnsafeBufferPointer { Data(buffer: $0) }   // little-endian machines only, as signatures.bin
        try writeAtomically(bytes, to: keysPath(cacheEntry))
    }

    /// What `clean --undeclared` may remove: an output of a dropped step that dbuild recorded making
    /// and that is still exactly as recorded (size and mtime), and that the current graph does not
    /// name (as input or output). Anything else is kept and said.
    public struct Removal {
        public var files: [String] = []
        /// Steps whose every product is gone or removable: their records are forgotten.
        public var settledSteps: [String] = []
        /// "path (why kept)".
        public var kept: [String] = []
        /// Notes still worth keeping (steps with a product kept).
        public var remaining: [Entry] = []

        public init() {}
    }

    public static func removal(of entries: [Entry], graph: Graph, records: [String: StepRecord], fileSystem: FileSystem) -> Removal {
        var removal = Removal()
        for entry in entries where graph.step(named: entry.name) == nil {
            guard let record = records[entry.name], record.outputCount == entry.outputs.count else {
                // Never built (or built with other outputs): nothing here is dbuild's to remove.
                let present = entry.outputs.filter { fileSystem.status($0) != nil }
                removal.kept += present.map { "\($0) (no record that dbuild made it for \(entry.name))" }
                continue
            }
            var keptAny = false
            for (i, output) in entry.outputs.enumerated() {
                guard let status = fileSystem.status(output) else { continue }
                if graph.pathID(output) != nil {
                    removal.kept.append("\(output) (the Datafile still names it)")
                    keptAny = true
                } else if status.size == record.outputSize(i) && status.mtimeNanos == record.outputMtime(i) {
                    removal.files.append(output)
                } else {
                    removal.kept.append("\(output) (changed since \(entry.name) made it)")
                    keptAny = true
                }
            }
            if keptAny { removal.remaining.append(entry) } else { removal.settledSteps.append(entry.name) }
        }
        return removal
    }
}

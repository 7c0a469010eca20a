import Foundation
import Rules
import Targets
import Backends

/// `.dbuild/undeclared`: the steps an evaluation dropped (a row removed from a catalog, a rule
/// renamed) with the outputs they had, so that `dbuild clean --undeclared` can remove those products
/// on request — dbuild never removes them on its own. One line per step: name, then its outputs,
/// tab-separated.
enum UndeclaredProducts {
    static func path(_ dotDbuild: String) -> String { dotDbuild + "/undeclared" }

    /// Notes the steps of `old` that `new` no longer has, and forgets those it has again.
    static func note(old: GraphDescription, new: GraphDescription, dotDbuild: String) {
        let current = Set((0..<new.stepCount).map(new.name(ofStep:)))
        var entries = read(dotDbuild).filter { !current.contains($0.name) }
        let known = Set(entries.map(\.name))
        for step in 0..<old.stepCount {
            let name = old.name(ofStep: step)
            guard !current.contains(name), !known.contains(name) else { continue }
            entries.append((name, old.outputs(ofStep: step).map { old.strings[Int($0)] }))
        }
        write(entries, dotDbuild)
    }

    static func read(_ dotDbuild: String) -> [(name: String, outputs: [String])] {
        (readFile(path(dotDbuild)) ?? "").split(separator: "\n").compactMap { line in
            let fields = line.split(separator: "\t").map(String.init)
            return fields.count >= 2 ? (fields[0], Array(fields.dropFirst())) : nil
        }
    }

    static func write(_ entries: [(name: String, outputs: [String])], _ dotDbuild: String) {
        if entries.isEmpty { unlink(path(dotDbuild)); return }
        let text = entries.map { ([$0.name] + $0.outputs).joined(separator: "\t") + "\n" }.joined()
        try? writeAtomically(Data(text.utf8), to: path(dotDbuild))
    }
}

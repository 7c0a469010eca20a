#if canImport(Glibc)
import Glibc
#endif
import CXXHash

/// The fingerprint of what a step does: recipe text, rule, parameters, input and output paths. A
/// change to any of them makes the step stale ("recipe changed"). Resources are left out on purpose:
/// asking for more memory does not change the product.
public enum StepSignature {
    /// XXH3-64 of `rule \0 recipe (\1 (string \0)*)×3` (parameters, inputs, outputs), fed piece by piece
    /// to a streaming state: the same value as hashing the joined text, without building it (this runs
    /// for every recorded step of a no-op).
    public static func of(_ step: Int, in graph: Graph) -> UInt64 {
        guard let state = XXH3_createState() else { return xxh3(joinedText(step, in: graph)) }
        defer { XXH3_freeState(state) }
        XXH3_64bits_reset(state)
        var zero: UInt8 = 0, one: UInt8 = 1
        feed(state, graph.rule(of: step).name)
        XXH3_64bits_update(state, &zero, 1)
        feed(state, graph.recipe(of: step))
        for part in [graph.parameterIDs(of: step), graph.inputIDs(of: step), graph.outputIDs(of: step)] {
            XXH3_64bits_update(state, &one, 1)
            for id in part {
                feed(state, graph.string(id))
                XXH3_64bits_update(state, &zero, 1)
            }
        }
        return XXH3_64bits_digest(state)
    }

    private static func feed(_ state: OpaquePointer, _ text: String) {
        var copy = text
        copy.withUTF8 { _ = XXH3_64bits_update(state, $0.baseAddress, $0.count) }
    }

    /// The hashed text spelled out (the definition the streaming form must match; used by its test).
    static func joinedText(_ step: Int, in graph: Graph) -> String {
        let d = graph.description
        var text = graph.rule(of: step).name + "\u{0}" + graph.recipe(of: step)
        for part in [d.parameters(ofStep: step), d.inputs(ofStep: step), d.outputs(ofStep: step)] {
            text += "\u{1}"
            for id in part { text += d.strings[Int(id)] + "\u{0}" }
        }
        return text
    }
}

/// The fingerprint of what a step does: recipe text, rule, parameters, input and output paths. A
/// change to any of them makes the step stale ("recipe changed"). Resources are left out on purpose:
/// asking for more memory does not change the product.
public enum StepSignature {
    public static func of(_ step: Int, in graph: Graph) -> UInt64 {
        let d = graph.description
        var text = graph.rule(of: step).name
        text += "\u{0}"
        text += graph.recipe(of: step)
        for part in [d.parameters(ofStep: step), d.inputs(ofStep: step), d.outputs(ofStep: step)] {
            text += "\u{1}"
            for id in part {
                text += d.strings[Int(id)]
                text += "\u{0}"
            }
        }
        return xxh3(text)
    }
}

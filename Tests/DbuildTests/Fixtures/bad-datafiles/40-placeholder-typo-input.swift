// expect: Datafile:11: error: rule B: its recipe uses {inptus}, which is neither a placeholder nor a parameter of the rule; did you mean {inputs}?
import Rules
Rule("A", over: ["m": ["x", "y"]]) { s in
    s.outputs = ["a/\(s.m).txt"]
    s.recipe = "echo {m} > {output}"
}

Rule("B") { s in
    s.inputs = s.outputs(of: "A")
    s.outputs = ["b.txt"]
    s.recipe = "cat {inptus} > {output}"
}

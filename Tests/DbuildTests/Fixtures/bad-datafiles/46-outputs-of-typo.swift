// expect: Datafile:10: error: step B refers to "gne", but no rule gne is declared above it; did you mean "gen"?
import Rules
Rule("gen", over: ["i": [1, 2]]) { s in
    s.outputs = ["gen/\(s.i).txt"]
    s.recipe = "echo {i} > {output}"
}

Rule("B") { s in
    s.outputs = ["b.txt"]
    s.inputs = s.outputs(of: "gne")
    s.recipe = "cat {inputs} > {output}"
}

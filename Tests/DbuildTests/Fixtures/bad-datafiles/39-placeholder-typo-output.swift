// expect: Datafile:6: error: rule A: its recipe uses {ouptut}, which is neither a placeholder nor a parameter of the rule; did you mean {output}?
// expect: (write {{ouptut}} for a literal {ouptut})
import Rules
Rule("A", over: ["m": ["x", "y"]]) { s in
    s.outputs = ["a/\(s.m).txt"]
    s.recipe = "echo {m} > {ouptut}"
}

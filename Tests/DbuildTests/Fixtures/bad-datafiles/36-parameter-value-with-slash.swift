// expect: Datafile:4
// expect: a/b
import Rules
Rule("A", over: ["x": ["a/b", "c"]]) { s in s.outputs = ["out-\(s.x.count).txt"]; s.recipe = "touch {output}" }

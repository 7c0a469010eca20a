// expect: Datafile:4
// expect: steps
import Rules
Rule("A", over: ["i": 0..<1_000_000, "j": 0..<1_000_000]) { s in
    s.outputs = ["a/\(s.i)/\(s.j).txt"]
    s.recipe = "touch {output}"
}

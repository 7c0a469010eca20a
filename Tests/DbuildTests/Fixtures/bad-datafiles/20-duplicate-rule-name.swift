// expect: Datafile:5
// expect: rule A is declared twice
import Rules
Rule("A") { s in s.outputs = ["a.txt"]; s.recipe = "touch {output}" }
Rule("A") { s in s.outputs = ["b.txt"]; s.recipe = "touch {output}" }

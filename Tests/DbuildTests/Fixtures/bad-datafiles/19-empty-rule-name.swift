// expect: Datafile:4
// expect: rule name
import Rules
Rule("") { s in s.outputs = ["a.txt"]; s.recipe = "touch {output}" }

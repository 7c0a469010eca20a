// expect: "../x.txt"
// expect: Datafile:4
import Rules
Rule("A") { s in s.outputs = ["a/../../x.txt"]; s.recipe = "touch {output}" }

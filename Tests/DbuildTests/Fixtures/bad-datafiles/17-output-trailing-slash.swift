// expect: results/
// expect: Datafile:4
import Rules
Rule("A") { s in s.outputs = ["results/"]; s.recipe = "mkdir -p {output}" }

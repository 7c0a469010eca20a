// expect: Datafile:4
// expect: memory
import Rules
Rule("A") { s in s.outputs = ["a.txt"]; s.recipe = "touch {output}" }.resources(memory: "900000T")

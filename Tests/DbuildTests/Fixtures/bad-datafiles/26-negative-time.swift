// expect: Datafile:4
// expect: time
import Rules
Rule("A") { s in s.outputs = ["a.txt"]; s.recipe = "touch {output}" }.resources(time: "-5m")

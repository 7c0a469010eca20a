// expect: Datafile:4
// expect: cpus
import Rules
Rule("A") { s in s.outputs = ["a.txt"]; s.recipe = "touch {output}" }.resources(cpus: -1)

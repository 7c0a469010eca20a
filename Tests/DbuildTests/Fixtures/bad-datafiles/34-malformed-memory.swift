// expect: Datafile:3: error: rule A: memory "lots" is not a size
import Rules
Rule("A") { s in s.outputs = ["a.txt"]; s.recipe = "touch {output}" }.resources(memory: "lots")

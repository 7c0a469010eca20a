// expect: cycle: A (Datafile:3) → A
import Rules
Rule("A") { s in s.inputs = ["a.txt"]; s.outputs = ["a.txt"]; s.recipe = "touch {output}" }

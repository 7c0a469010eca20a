// expect: cycle: A (Datafile:3) → B (Datafile:4) → A
import Rules
Rule("A") { s in s.inputs = ["b.txt"]; s.outputs = ["a.txt"]; s.recipe = "touch {output}" }
Rule("B") { s in s.inputs = ["a.txt"]; s.outputs = ["b.txt"]; s.recipe = "touch {output}" }

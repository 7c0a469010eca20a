// expect: two steps declare the output run.txt: A/0 at Datafile:3
import Rules
Rule("A", over: ["i": 0..<3]) { s in s.outputs = ["run.txt"]; s.recipe = "touch {output}" }

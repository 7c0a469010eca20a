// expect: two steps declare the output shared.txt
import Rules
Rule("A") { s in s.outputs = ["shared.txt"]; s.recipe = "touch {output}" }
Rule("B") { s in s.outputs = ["shared.txt"]; s.recipe = "touch {output}" }

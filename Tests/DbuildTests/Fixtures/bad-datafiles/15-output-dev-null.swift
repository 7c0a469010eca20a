// expect: /dev/null
import Rules
Rule("A") { s in s.outputs = ["/dev/null"]; s.recipe = "true" }

// expect: inside .dbuild/
import Rules
Rule("A") { s in s.outputs = [".dbuild/state.db"]; s.recipe = "true" }

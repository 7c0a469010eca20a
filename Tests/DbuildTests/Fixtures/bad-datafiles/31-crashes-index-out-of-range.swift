// expect: crashed
import Rules
let models = ["m1", "m2"]
Rule("A") { s in s.outputs = [models[7] + ".txt"]; s.recipe = "touch {output}" }

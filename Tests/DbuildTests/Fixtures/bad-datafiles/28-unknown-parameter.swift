// expect: rule A has no parameter 'modle' (it has model)
import Rules
Rule("A", over: ["model": ["m1", "m2"]]) { s in s.outputs = ["\(s.modle).txt"]; s.recipe = "touch {output}" }

// expect: Datafile:5
// expect: LPX
import Rules
Rule("LP", over: ["m": 0..<2]) { s in s.outputs = ["lp\(s.m).txt"]; s.recipe = "touch {output}" }
Rule("B") { s in s.inputs = s.outputs(of: "LPX"); s.outputs = ["b.txt"]; s.recipe = "cat {inputs} > {output}" }

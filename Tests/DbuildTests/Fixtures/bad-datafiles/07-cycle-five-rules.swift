// expect: cycle: R1 → R2 → R3 → R4 → R5 → R1
import Rules
Rule("R1") { s in s.inputs = ["5.txt"]; s.outputs = ["1.txt"]; s.recipe = "touch {output}" }
Rule("R2") { s in s.inputs = ["1.txt"]; s.outputs = ["2.txt"]; s.recipe = "touch {output}" }
Rule("R3") { s in s.inputs = ["2.txt"]; s.outputs = ["3.txt"]; s.recipe = "touch {output}" }
Rule("R4") { s in s.inputs = ["3.txt"]; s.outputs = ["4.txt"]; s.recipe = "touch {output}" }
Rule("R5") { s in s.inputs = ["4.txt"]; s.outputs = ["5.txt"]; s.recipe = "touch {output}" }

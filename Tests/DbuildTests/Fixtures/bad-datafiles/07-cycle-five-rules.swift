// expect: cycle: R1 (Datafile:3) → R2 (Datafile:4) → R3 (Datafile:5) → R4 (Datafile:6) → R5 (Datafile:7) → R1
import Rules
Rule("R1") { s in s.inputs = ["5.txt"]; s.outputs = ["1.txt"]; s.recipe = "touch {output}" }
Rule("R2") { s in s.inputs = ["1.txt"]; s.outputs = ["2.txt"]; s.recipe = "touch {output}" }
Rule("R3") { s in s.inputs = ["2.txt"]; s.outputs = ["3.txt"]; s.recipe = "touch {output}" }
Rule("R4") { s in s.inputs = ["3.txt"]; s.outputs = ["4.txt"]; s.recipe = "touch {output}" }
Rule("R5") { s in s.inputs = ["4.txt"]; s.outputs = ["5.txt"]; s.recipe = "touch {output}" }

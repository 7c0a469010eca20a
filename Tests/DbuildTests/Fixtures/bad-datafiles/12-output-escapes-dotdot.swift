// expect: ../x.txt
// expect: leaves the project folder
import Rules
Rule("A") { s in s.outputs = ["../x.txt"]; s.recipe = "touch {output}" }

// setup: mkdir -p results/run1
// expect: results/run1
// expect: exists as a folder, not a regular file
import Rules
Rule("R") { s in s.outputs = ["results/run1"]; s.recipe = "echo data > {output}" }

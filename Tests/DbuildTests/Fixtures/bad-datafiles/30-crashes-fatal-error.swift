// expect: crashed
// expect: boom
import Rules
Rule("A") { s in s.outputs = ["a.txt"]; s.recipe = "touch {output}" }
fatalError("boom")

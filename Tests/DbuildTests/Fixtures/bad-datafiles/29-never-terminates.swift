// expect: took longer than 3 s and was stopped
import Rules
var spinning = true
while spinning { spinning = spinning || true }
Rule("A") { s in s.outputs = ["a.txt"]; s.recipe = "touch {output}" }

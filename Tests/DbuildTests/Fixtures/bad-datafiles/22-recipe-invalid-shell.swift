// expect: Datafile:5
// expect: rule A
// expect: not valid shell
import Rules
Rule("A") { s in s.outputs = ["a.txt"]; s.recipe = "echo 'unterminated > {output}" }

// expect: Datafile:6:1: error: expected '}' at end of closure
// expect: Datafile:4:11: note: to match this opening '{'
import Rules
Rule("A") { s in
    s.outputs = ["a.txt"]

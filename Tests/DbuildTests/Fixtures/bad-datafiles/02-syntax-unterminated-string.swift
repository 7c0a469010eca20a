// expect: Datafile:4:
import Rules
Rule("A") { s in
    s.outputs = ["a.txt]
    s.recipe = "touch {output}"
}

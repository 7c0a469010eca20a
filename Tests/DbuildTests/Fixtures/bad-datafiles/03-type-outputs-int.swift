// expect: Datafile:4:
import Rules
Rule("A") { s in
    s.outputs = 5
    s.recipe = "touch {output}"
}

// expect: Datafile:3 (rule A): step A needs raw/nowhere.h5, which does not exist and no rule makes it
import Rules
Rule("A") { s in s.inputs = ["raw/nowhere.h5"]; s.outputs = ["a.txt"]; s.recipe = "touch {output}" }

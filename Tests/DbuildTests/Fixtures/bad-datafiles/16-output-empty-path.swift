// expect: empty
// expect: Datafile:4
import Rules
Rule("A") { s in s.outputs = [""]; s.recipe = "true" }

// expect: Datafile:4
// expect: no outputs
import Rules
Rule("A") { s in s.recipe = "echo hello" }

// expect: exited
import Rules
import Glibc
Rule("A") { s in s.outputs = ["a.txt"]; s.recipe = "touch {output}" }
exit(3)

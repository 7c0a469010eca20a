// expect: /tmp/dbuild-absolute.txt
// expect: it is absolute
import Rules
Rule("A") { s in s.outputs = ["/tmp/dbuild-absolute.txt"]; s.recipe = "touch {output}" }

// setup: mkdir -p out && mkfifo out/stream.dat
// expect: out/stream.dat
// expect: exists as a named pipe, not a regular file
import Rules
Rule("Stream") { s in s.outputs = ["out/stream.dat"]; s.recipe = "echo data > {output}" }

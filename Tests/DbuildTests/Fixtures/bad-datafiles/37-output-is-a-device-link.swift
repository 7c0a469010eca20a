// setup: mkdir -p out && ln -s /dev/null out/sink.dat
// expect: out/sink.dat
// expect: exists as a device, not a regular file
import Rules
Rule("Sink") { s in s.outputs = ["out/sink.dat"]; s.recipe = "echo data > {output}" }

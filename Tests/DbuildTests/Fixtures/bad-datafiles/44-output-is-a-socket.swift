// setup: mkdir -p out && python3 -c "import socket; socket.socket(socket.AF_UNIX).bind('out/server.sock')"
// expect: out/server.sock
// expect: exists as a socket, not a regular file
import Rules
Rule("Serve") { s in s.outputs = ["out/server.sock"]; s.recipe = "echo data > {output}" }

// expect: Datafile:2:
Rul("A") { s in
    s.outputs = ["a.txt"]
    s.recipe = "touch {output}"
}

// expect: Datafile:5: error: rule RT: its recipe uses {modle}, which is neither a placeholder nor a parameter of the rule; did you mean {model}?
import Rules
Rule("RT", over: ["model": ["dmo", "hydro"], "run": 1...3]) { s in
    s.outputs = ["rt/\(s.model)/\(s.run).txt"]
    s.recipe = "raytrace --model {modle} --seed {run} > {output}"
}

// expect: Datafile:4
// expect: the output pattern "mocks/{modle}/r{r}.txt" names {modle}, which is not a parameter of the rule (it has model, r)
import Rules
Rule("mock", over: ["model": ["a", "b"], "r": 0..<3],
     outputs: ["mocks/{modle}/r{r}.txt"], recipe: "touch {output}")

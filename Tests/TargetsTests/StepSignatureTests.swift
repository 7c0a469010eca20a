import Testing
import Rules
@testable import Targets
import TestSupport

@Suite struct StepSignatureTests {
    /// The streamed signature must equal the hash of the joined text: records written by earlier
    /// versions (which hashed the joined text) stay valid.
    @Test func streamedSignatureEqualsHashOfJoinedText() throws {
        var f = GraphFixture()
        f.rule("sim", parameters: ["model", "seed"])
        f.rule("sum")
        f.step("sim", ["m7", "42"], inputs: ["params/m7.ini"], outputs: ["out/m7_42.h5", "out/m7_42.log"],
               recipe: "simulate --model {model} --seed {seed} > {output}", tools: ["bin/sim"])
        f.step("sum", inputs: ["out/m7_42.h5"], outputs: ["sum.txt"], recipe: String(repeating: "long recipe ", count: 40))
        let graph = try f.graph()
        for step in 0..<graph.stepCount {
            #expect(StepSignature.of(step, in: graph) == xxh3(StepSignature.joinedText(step, in: graph)))
        }
        #expect(StepSignature.of(0, in: graph) != StepSignature.of(1, in: graph))
    }
}

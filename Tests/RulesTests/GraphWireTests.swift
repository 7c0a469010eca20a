import Testing
@testable import Rules

@Suite struct GraphWireTests {
    static func sample() -> GraphDescription {
        var g = GraphDescription()
        g.strings = ["LP", "model", "m1", "in.txt", "out.txt", "run {input}", "tool.sh", "mesh é ü"]
        var rule = RuleDescription(name: "LP", line: 7, parameterNames: ["model"])
        rule.staleness = .hash
        rule.resources.cpus = 4
        rule.resources.memoryMB = 2048
        rule.resources.partition = "m1"
        rule.resources.extraFlags = ["mesh é ü"]
        rule.minimumOutputBytes = 10
        rule.batch.stepsPerTask = 8
        rule.batch.throttle = 20
        rule.batch.retries = 2
        rule.batch.parallel = 16
        rule.batch.timeFactor = 1.5
        rule.batch.requeue = true
        rule.hdf5Checks = [.dataset("kappa", shape: [64, 64], dtype: "float64"), .attribute("seed"), .group("/lc")]
        rule.countGoal = CountGoal(atLeast: 500, per: "model")
        g.rules = [rule]
        g.defaultBackend = "slurm"
        g.stepRule = [0]
        g.parameterIDs = [2]; g.parameterStart = [0, 1]
        g.inputIDs = [3, 6]; g.inputStart = [0, 2]
        g.outputIDs = [4]; g.outputStart = [0, 1]
        g.recipeIDs = [5]
        g.toolCounts = [1]
        return g
    }

    @Test func roundTripKeepsEveryField() throws {
        let original = Self.sample()
        let decoded = try GraphDescription.decode(original.encoded())
        #expect(Array(decoded.strings.prefix(original.strings.count)) == original.strings)
        #expect(decoded.rules == original.rules)
        #expect(decoded.inputIDs == [3, 6])
        #expect(decoded.toolCounts == [1])
        #expect(decoded.name(ofStep: 0) == "LP/m1")
        #expect(decoded.defaultBackend == "slurm")
        #expect(decoded.rules[0].batch.timeFactor == 1.5 && decoded.rules[0].batch.requeue && !decoded.rules[0].batch.appendOutput)
    }

    @Test func truncatedFileIsAnErrorNotACrash() {
        let bytes = Self.sample().encoded()
        for cut in stride(from: 0, to: bytes.count - 1, by: 3) {
            #expect(throws: (any Error).self) { try GraphDescription.decode(Array(bytes[0..<cut])) }
        }
    }

    @Test func foreignFileIsRejected() {
        #expect(throws: GraphFormatError.self) { try GraphDescription.decode(Array("{\"json\": true}".utf8)) }
    }
}

extension GraphWireTests {
    /// Roots travel after the steps, only when declared: a graph without them is encoded as before.
    @Test func rootsRoundTripAndAGraphWithoutThemIsUnchanged() throws {
        var g = Self.sample()
        let without = g.encoded()
        g.roots = [RootDescription(name: "lp", locations: ["/scratch/new", "/archive/old"], line: 3),
                   RootDescription(name: "maps", locations: ["maps"], line: 4)]
        let with = g.encoded()
        #expect(try GraphDescription.decode(with).roots == g.roots)
        #expect(try GraphDescription.decode(without).roots.isEmpty)
    }
}

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
        rule.folderExpectation = FolderExpectation(minimumFiles: 17, requiredEntries: ["zarr.json", "c/"])
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
        #expect(decoded.rules[0].folderExpectation.requiredEntries == ["zarr.json", "c/"])
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

extension GraphWireTests {
    /// A pattern block decodes into the steps it stands for, in its place; a path it makes is the
    /// same string id as that path written literally elsewhere, and a reference to its outputs
    /// becomes every one of them, in step order.
    @Test func patternBlockExpandsInPlaceAndSharesIDsWithLiteralPaths() throws {
        var g = GraphDescription()
        g.strings = ["first.txt", "touch {output}", "a", "b", "1", "2", "out/", "/", ".txt", "in.txt", "out/b/2.txt", "cat {inputs} > {output}", "sum.txt"]
        g.rules = [RuleDescription(name: "first", line: 1, parameterNames: []),
                   RuleDescription(name: "grid", line: 2, parameterNames: ["m", "r"]),
                   RuleDescription(name: "sum", line: 3, parameterNames: [])]
        // Step 0 (first): writes first.txt.
        g.stepRule = [0]; g.parameterStart = [0, 0]; g.inputStart = [0, 0]
        g.outputIDs = [0]; g.outputStart = [0, 1]; g.recipeIDs = [1]; g.toolCounts = [0]
        let flag = PatternBlock.parameterFlag
        g.patternBlocks = [PatternBlock(rule: 1, position: 1, values: [[2, 3], [4, 5]],
                                        inputs: [[9]], toolCount: 0,
                                        outputs: [[6, flag | 0, 7, flag | 1, 8]], recipe: 1)]
        // Step 1 (sum, after the block): every output of the block, then out/b/2.txt written literally.
        g.stepRule.append(2); g.parameterStart.append(0)
        g.inputIDs = [patternOutputsReference + 0, 10]; g.inputStart.append(2)
        g.outputIDs.append(12); g.outputStart.append(2)
        g.recipeIDs.append(11); g.toolCounts.append(0)

        let d = try GraphDescription.decode(g.encoded())
        #expect(d.stepCount == 6)
        #expect((0..<6).map { d.name(ofStep: $0) } == ["first", "grid/a/1", "grid/a/2", "grid/b/1", "grid/b/2", "sum"])
        let outputs = (1...4).map { d.outputs(ofStep: $0).map { d.strings[Int($0)] } }
        #expect(outputs == [["out/a/1.txt"], ["out/a/2.txt"], ["out/b/1.txt"], ["out/b/2.txt"]])
        // The literal out/b/2.txt and the expanded one are one id; in.txt too.
        #expect(d.outputs(ofStep: 4).first == 10)
        #expect(d.inputs(ofStep: 1).map { $0 } == [9])
        #expect(d.inputs(ofStep: 5).map { d.strings[Int($0)] } == ["out/a/1.txt", "out/a/2.txt", "out/b/1.txt", "out/b/2.txt", "out/b/2.txt"])
        #expect(d.recipeIDs[1...4].allSatisfy { $0 == 1 })
        #expect(Set(d.strings).count == d.strings.count, "no path twice in the table")
        // Cut anywhere: an error, not a crash.
        let bytes = g.encoded()
        for cut in stride(from: 0, to: bytes.count - 1, by: 5) {
            #expect(throws: (any Error).self) { try GraphDescription.decode(Array(bytes[0..<cut])) }
        }
    }
}

import Testing
import Foundation
import Rules
@testable import Targets
import TestSupport

@Suite struct GraphTests {
    @Test func twoStepsClaimingOneOutputAreRejectedNamingBoth() {
        var f = GraphFixture()
        f.rule("A", parameters: ["i"])
        f.step("A", ["1"], outputs: ["same.txt"])
        f.step("A", ["2"], outputs: ["same.txt"])
        #expect {
            try f.graph()
        } throws: { error in
            let text = "\(error)"
            return text.contains("same.txt") && text.contains("A/1") && text.contains("A/2")
        }
    }

    @Test func directCycleIsPrintedAsACycle() {
        var f = GraphFixture()
        f.rule("A"); f.rule("B")
        f.step("A", inputs: ["b.txt"], outputs: ["a.txt"])
        f.step("B", inputs: ["a.txt"], outputs: ["b.txt"])
        #expect { try f.graph() } throws: { error in
            guard case GraphError.cycle(let steps, let places) = error else { return false }
            return steps == ["A", "B", "A"] && places.count == 2 && places[0].hasPrefix("Datafile:")
        }
    }

    @Test func cycleThroughFiveRulesNamesEveryStep() {
        var f = GraphFixture()
        let names = ["R1", "R2", "R3", "R4", "R5"]
        for n in names { f.rule(n) }
        for (i, n) in names.enumerated() {
            f.step(n, inputs: ["\(names[(i + 4) % 5]).out"], outputs: ["\(n).out"])
        }
        #expect {
            try f.graph()
        } throws: { error in
            guard case GraphError.cycle(let steps, _) = error else { return false }
            return Set(steps) == Set(names) && steps.count == 6 && steps.first == steps.last
        }
    }

    @Test(arguments: ["/etc/passwd", "../outside.txt", ".dbuild/state.db", "."])
    func outputsOutsideTheProjectAreRejected(path: String) {
        var f = GraphFixture()
        f.rule("A")
        f.step("A", outputs: [path])
        #expect {
            try f.graph()
        } throws: { error in
            guard case GraphError.unusableOutput(let p, _, _, _) = error else { return false }
            return p == path
        }
    }

    @Test func dependenciesAreDedupedAndTopologicallyOrdered() throws {
        var f = GraphFixture()
        f.rule("P"); f.rule("C")
        f.step("C", inputs: ["p1", "p2", "p3"], outputs: ["c"])
        f.step("P", outputs: ["p1", "p2", "p3"])
        let graph = try f.graph()
        #expect(Array(graph.dependencies(of: 0)) == [1])
        #expect(Array(graph.dependents(of: 1)) == [0])
        #expect(graph.topologicalOrder == [1, 0])
    }
}

@Suite struct SelectionTests {
    func graph() throws -> Graph {
        var f = GraphFixture()
        f.rule("LP", parameters: ["model", "r"])
        f.rule("RT", parameters: ["model"])
        for m in ["model1", "model7", "model17"] {
            for r in ["r0", "r1"] { f.step("LP", [m, r], outputs: ["lp/\(m)/\(r)"]) }
            f.step("RT", [m], inputs: ["lp/\(m)/r0", "lp/\(m)/r1"], outputs: ["rt/\(m)"])
        }
        return try f.graph()
    }

    @Test func prefixSelectsEveryStepUnderIt() throws {
        let g = try graph()
        let steps = try Selection.resolve(["LP/model7"], in: g).map(g.name)
        #expect(steps == ["LP/model7/r0", "LP/model7/r1"])
    }

    @Test func prefixDoesNotMatchPartOfAComponent() throws {
        let g = try graph()
        let steps = try Selection.resolve(["LP/model1"], in: g).map(g.name)
        #expect(steps == ["LP/model1/r0", "LP/model1/r1"])
    }

    @Test func outputPathSelectsItsProducerAndClosurePullsInNeeds() throws {
        let g = try graph()
        let roots = try Selection.resolve(["./rt//model1"], in: g)
        #expect(roots.map(g.name) == ["RT/model1"])
        let needed = Selection.closure(of: roots, in: g)
        #expect(Set(needed.indices.filter { needed[$0] }.map(g.name)) == ["RT/model1", "LP/model1/r0", "LP/model1/r1"])
    }

    @Test func unknownTargetSuggestsNearNames() throws {
        let g = try graph()
        #expect(throws: GraphError.unknownTarget(name: "LP/modle7", suggestions: ["LP/model7"])) {
            try Selection.resolve(["LP/modle7"], in: g)
        }
        #expect(throws: GraphError.unknownTarget(name: "RTT", suggestions: ["RT"])) {
            try Selection.resolve(["RTT"], in: g)
        }
    }
}

@Suite struct RecipeTextTests {
    @Test func placeholdersAreFilledAndQuoted() throws {
        var f = GraphFixture()
        f.rule("R", parameters: ["model"])
        f.step("R", ["m 1"], inputs: ["in/a b.txt", "in/c.txt"], outputs: ["out/x.txt"],
               recipe: "run {tool} --model {model} {inputs} > {output} # {name} {unknown}", tools: ["bin/run.sh"])
        let text = RecipeText.expand(step: 0, in: try f.graph())
        #expect(text == "run bin/run.sh --model 'm 1' 'in/a b.txt' in/c.txt > out/x.txt # 'R/m 1' {unknown}")
    }

    @Test func awkBracesAreLeftAlone() {
        #expect(RecipeText.substitute("awk '{ print $1 }' {input}", ["input": "x"]) == "awk '{ print $1 }' x")
    }

    @Test func quotesSingleQuotesSafely() {
        #expect(RecipeText.quote("it's") == "'it'\\''s'")
        #expect(RecipeText.quote("") == "''")
        #expect(RecipeText.quote("plain/path-1.h5") == "plain/path-1.h5")
    }
}

extension GraphTests {
    @Test func rootPathsAreSplitAndFoundInTheirLocations() throws {
        let folder = NSTemporaryDirectory() + "roots-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder + "/old/a", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = FileManager.default.createFile(atPath: folder + "/old/a/x", contents: Data("x".utf8))
        let roots = RootLocations([("lp", [folder + "/new", folder + "/old"])])
        #expect(RootLocations.split("@lp/a/x")! == ("lp", "a/x"))
        #expect(RootLocations.split("lp/a/x") == nil && RootLocations.split("@lp") == nil)
        #expect(roots.existing("@lp/a/x") == folder + "/old/a/x", "read where it is")
        #expect(roots.writable("@lp/a/x") == folder + "/new/a/x", "written to the first location")
        #expect(roots.existing("@lp/a/y") == folder + "/new/a/y", "not anywhere: the first location")
        #expect(roots.existing("@other/a/x") == nil && roots.existing("plain/x") == nil)
        #expect(roots.logicalName(ofAbsolute: folder + "/old/a/x") == "@lp/a/x")
        #expect(roots.copies("@lp/a/x").map(\.location) == [1])
    }
}

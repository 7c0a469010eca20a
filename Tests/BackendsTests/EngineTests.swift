import Testing
import Rules
import Targets
@testable import Backends
import TestSupport

/// A small lensing-shaped chain: per model, planes (2 files) → a converted file → 3 ray-tracing runs;
/// one summary over every run. Sources are src/<model>.txt.
func chainFixture(policy: Staleness = .mtime, convertRecipe: String = "convert") -> GraphFixture {
    var f = GraphFixture()
    f.rule("P", parameters: ["model"], staleness: policy)
    f.rule("C", parameters: ["model"], staleness: policy)
    f.rule("R", parameters: ["model", "run"], staleness: policy)
    f.rule("S", staleness: policy)
    for m in ["m1", "m2"] {
        f.step("P", [m], inputs: ["src/\(m).txt"], outputs: ["planes/\(m)/p0", "planes/\(m)/p1"], recipe: "planes {inputs}")
        f.step("C", [m], inputs: ["planes/\(m)/p0", "planes/\(m)/p1"], outputs: ["conv/\(m)"], recipe: convertRecipe)
    }
    for m in ["m1", "m2"] {
        for r in ["1", "2", "3"] { f.step("R", [m, r], inputs: ["conv/\(m)"], outputs: ["rt/\(m)/\(r)"], recipe: "raytrace") }
    }
    f.step("S", inputs: ["m1", "m2"].flatMap { m in ["1", "2", "3"].map { "rt/\(m)/\($0)" } }, outputs: ["summary"], recipe: "sum")
    return f
}

func makeEngine(policy: Staleness = .mtime) throws -> Engine {
    let engine = try Engine(chainFixture(policy: policy))
    engine.fileSystem.write("src/m1.txt", "model one")
    engine.fileSystem.write("src/m2.txt", "model two")
    return engine
}

let allSteps = ["P/m1", "C/m1", "P/m2", "C/m2", "R/m1/1", "R/m1/2", "R/m1/3", "R/m2/1", "R/m2/2", "R/m2/3", "S"]

@Suite struct EngineTests {
    @Test func freshBuildRunsEveryStepInDependencyOrder() throws {
        let engine = try makeEngine()
        let ran = try engine.build()
        #expect(Set(ran) == Set(allSteps))
        #expect(ran.count == allSteps.count)
        #expect(ran.firstIndex(of: "P/m1")! < ran.firstIndex(of: "C/m1")!)
        #expect(ran.firstIndex(of: "C/m2")! < ran.firstIndex(of: "R/m2/3")!)
        #expect(ran.last == "S")
    }

    @Test func secondBuildRunsNothing() throws {
        let engine = try makeEngine()
        try engine.build()
        #expect(try engine.build() == [])
    }

    @Test func touchingOneSourceRebuildsExactlyItsDownstreamChain() throws {
        let engine = try makeEngine()
        try engine.build()
        engine.fileSystem.touch("src/m2.txt")
        #expect(Set(try engine.build()) == ["P/m2", "C/m2", "R/m2/1", "R/m2/2", "R/m2/3", "S"])
    }

    @Test func underHashTouchingWithoutChangingContentRebuildsNothing() throws {
        let engine = try makeEngine(policy: .hash)
        try engine.build()
        engine.fileSystem.touch("src/m1.txt")
        #expect(try engine.build() == [])
    }

    @Test func underHashChangingContentRebuildsTheChain() throws {
        let engine = try makeEngine(policy: .hash)
        try engine.build()
        engine.fileSystem.write("src/m1.txt", "model one, revised")
        // P's fake output content does not depend on its input: the planes come out identical, so the
        // rebuild stops there (early cutoff).
        #expect(try engine.build() == ["P/m1"])
    }

    @Test func underHashAChangedProductRebuildsItsDependents() throws {
        let engine = try makeEngine(policy: .hash)
        try engine.build()
        engine.fileSystem.write("src/m1.txt", "model one, revised")
        let ran = try engine.build { backend in
            backend.content = { job, output in "\(job.name) \(output) \(engine.fileSystem.read("src/m1.txt")!)" }
        }
        #expect(Set(ran) == ["P/m1", "C/m1", "R/m1/1", "R/m1/2", "R/m1/3", "S"])
    }

    @Test func changingARecipeRebuildsThatRuleAndItsDependents() throws {
        let engine = try makeEngine()
        try engine.build()
        engine.graph = try chainFixture(convertRecipe: "convert --fast").graph()
        let (plan, _) = try engine.plan()
        #expect(plan.reason(of: Int32(engine.graph.step(named: "C/m1")!)) == .signatureChanged)
        #expect(Set(try engine.build()) == Set(allSteps).subtracting(["P/m1", "P/m2"]))
    }

    @Test func deletingOutputsUnderMtimeRebuildsThoseStepsAndTheirDependents() throws {
        let engine = try makeEngine()
        try engine.build()
        engine.fileSystem.removeFile("rt/m1/2")
        engine.fileSystem.removeFile("planes/m2/p1")
        #expect(Set(try engine.build()) == ["R/m1/2", "P/m2", "C/m2", "R/m2/1", "R/m2/2", "R/m2/3", "S"])
    }

    @Test func deletingOutputsUnderHashRebuildsOnlyThoseWhenTheyComeBackIdentical() throws {
        let engine = try makeEngine(policy: .hash)
        try engine.build()
        engine.fileSystem.removeFile("rt/m1/2")
        engine.fileSystem.removeFile("planes/m2/p1")
        #expect(Set(try engine.build()) == ["R/m1/2", "P/m2"])
    }

    @Test func failingStepWithKeepGoingLetsIndependentStepsFinishAndLeavesNoOutput() throws {
        let engine = try makeEngine()
        let (ran, summary) = try engine.buildWithSummary(keepGoing: true) { $0.failing = ["C/m1"] }
        #expect(Set(ran) == ["P/m1", "C/m1", "P/m2", "C/m2", "R/m2/1", "R/m2/2", "R/m2/3"])
        #expect(engine.fileSystem.status("conv/m1") == nil, "the failed step's output was written, then removed")
        #expect(summary.failed == 1)
        #expect(summary.blocked == 4)     // R/m1/* and S
        #expect(try engine.state.loadFailures()["C/m1"] != nil)
        #expect(try engine.state.loadRecords()["C/m1"] == nil)
        // The next build runs the failed step and what it blocked, nothing else.
        #expect(Set(try engine.build()) == ["C/m1", "R/m1/1", "R/m1/2", "R/m1/3", "S"])
    }

    @Test func failingStepWithoutKeepGoingStopsStartingNewSteps() throws {
        let engine = try makeEngine()
        let ran = try engine.build { $0.failing = ["P/m1"] }
        #expect(ran == ["P/m1"])
    }

    @Test func recipeThatExitsZeroWithoutItsOutputFails() throws {
        let engine = try makeEngine()
        let (_, summary) = try engine.buildWithSummary(["P/m1"]) { $0.lazy = ["P/m1"] }
        #expect(summary.failed == 1)
        #expect(engine.messages.contains { $0.contains("exited 0 but did not write") })
        #expect(try engine.state.loadRecords()["P/m1"] == nil)
    }

    @Test func prefixTargetBuildsOnlyThatSliceAndWhatItNeeds() throws {
        let engine = try makeEngine()
        #expect(Set(try engine.build(["R/m2"])) == ["P/m2", "C/m2", "R/m2/1", "R/m2/2", "R/m2/3"])
        #expect(engine.fileSystem.status("rt/m1/1") == nil)
    }

    @Test func outputPathTargetBuildsItsStep() throws {
        let engine = try makeEngine()
        #expect(Set(try engine.build(["conv/m1"])) == ["P/m1", "C/m1"])
    }

    @Test func forcedBuildRunsEverySelectedStep() throws {
        let engine = try makeEngine()
        try engine.build()
        #expect(Set(try engine.build(["C/m1"], forced: true)) == ["P/m1", "C/m1"])
    }

    @Test func aStepInterruptedMidRunIsRunAgainAndItsLeftoversRemoved() throws {
        let engine = try makeEngine()
        try engine.build()
        // As if dbuild was killed while C/m1 ran: marked started, never finished, output half-written.
        try engine.state.markStarted(["C/m1"], at: 0)
        engine.fileSystem.write("conv/m1", "half")
        let (plan, _) = try engine.plan()
        #expect(plan.reason(of: Int32(engine.graph.step(named: "C/m1")!)) == .interrupted)
        let ran = try engine.build()
        #expect(ran.first == "C/m1")
        #expect(engine.fileSystem.read("conv/m1") != "half")
        #expect(try engine.state.loadInterrupted().isEmpty)
    }

    @Test func outputsMadeWithoutDbuildAreJudgedByMtimeLikeMake() throws {
        let engine = try makeEngine()
        for path in ["planes/m1/p0", "planes/m1/p1", "conv/m1"] { engine.fileSystem.write(path, "made by hand") }
        let (plan, _) = try engine.plan(["C/m1"])
        #expect(plan.isEmpty)
        engine.fileSystem.touch("src/m1.txt")
        let (replan, _) = try engine.plan(["C/m1"])
        #expect(replan.steps.count == 2)
    }

    @Test func reasonsAreReportedInTheDocumentedOrder() throws {
        let engine = try makeEngine()
        try engine.build()
        engine.fileSystem.touch("src/m1.txt")
        engine.fileSystem.removeFile("rt/m1/3")
        let (plan, _) = try engine.plan()
        let graph = engine.graph
        func reason(_ name: String) -> String? { plan.reason(of: Int32(graph.step(named: name)!))?.text(in: graph) }
        #expect(reason("P/m1") == "input newer: src/m1.txt")
        #expect(reason("C/m1") == "upstream will run: P/m1")
        #expect(reason("R/m1/3") == "missing output: rt/m1/3")
        #expect(reason("P/m2") == nil)
    }

    @Test func anOutputChangedSinceItWasMadeIsMadeAgain() throws {
        let engine = try makeEngine(policy: .hash)
        try engine.build()
        engine.fileSystem.write("conv/m1", "truncated")
        let (plan, _) = try engine.plan()
        #expect(plan.reason(of: Int32(engine.graph.step(named: "C/m1")!))?.text(in: engine.graph) == "output changed since it was made: conv/m1")
        #expect(try engine.build() == ["C/m1"], "rebuilt identical to before, so nothing downstream runs")
        // Touching an output (same bytes) is not a change.
        engine.fileSystem.touch("conv/m2")
        #expect(try engine.build() == [])
    }

    @Test func contentHashesAreNotReadAgainWhenFilesAreUnchanged() throws {
        let engine = try makeEngine(policy: .hash)
        try engine.build()
        let before = engine.fileSystem.hashReads
        #expect(try engine.build() == [])
        #expect(engine.fileSystem.hashReads == before)
    }
}

import Foundation
import Testing
import Rules
import Targets
@testable import Backends
import TestSupport

/// Issue 12: requests learned from history — what steps used, against what their rule asks.
@Suite struct RuleUsageTests {
    /// 20 runs: 100 to 290 MB, 60 to 250 s.
    let history = (0..<20).map { StepUsage(seconds: 60 + Double($0) * 10, peakKB: (100 + $0 * 10) * 1024) }

    @Test func aFittedRequestIsTheNinetyFifthPercentilePlusAMarginNeverBelowTheMostUsed() throws {
        let usage = try #require(RuleUsage(history))
        #expect(usage.runs == 20 && usage.p95PeakMB == 280 && usage.maxPeakMB == 290 && usage.p95Seconds == 240 && usage.maxSeconds == 250)
        var declared = Resources()
        declared.memoryMB = 65536
        declared.timeSeconds = 6 * 3600
        let fitted = usage.fit(declared)
        #expect(fitted.memoryMB == 384, "1.25 × 280 = 350, in 64 MB steps")
        #expect(fitted.timeSeconds == 360, "1.5 × 240 s = 360 s")
        // A rule that declared less than a successful run used is never asked below that run.
        declared.memoryMB = 200
        declared.timeSeconds = 120
        let tight = usage.fit(declared)
        #expect(tight.memoryMB >= 290 && tight.timeSeconds >= 250, "\(tight)")
        // Too few runs to say: the declared figures.
        let few = try #require(RuleUsage(Array(history.prefix(4))))
        #expect(few.fit(declared) == declared)
    }

    func graph(fit: Bool) throws -> Graph {
        var f = GraphFixture()
        f.rule("RT", parameters: ["i"]) {
            $0.resources.cpus = 4; $0.resources.memoryMB = 65536; $0.resources.timeSeconds = 6 * 3600
            $0.batch.fitResources = fit
        }
        for i in 0..<3 { f.step("RT", ["\(i)"], outputs: ["rt/\(i)"]) }
        return try f.graph()
    }

    @Test func aRuleThatAsksToFitItsRequestsAsksForWhatItUsedAndThePlanShowsBoth() throws {
        let usage = ["RT": try #require(RuleUsage(history))]
        let context = SubmissionContext(id: "S", projectRoot: "/p", folder: "/p/s", dbuild: "/d")
        for fit in [false, true] {
            let g = try graph(fit: fit)
            let submitter = try SlurmSubmitter(graph: g, jobs: SlurmSubmitter.jobs(for: g.topologicalOrder, in: g), limits: SlurmLimits(),
                                               context: context, usage: usage)
            let asked = submitter.resources(of: submitter.arrays[0])
            #expect(asked.memoryMB == (fit ? 384 : 65536) && asked.timeSeconds == (fit ? 360 : 6 * 3600))
            let text = submitter.planText()
            #expect(text.contains("RT: declared mem 65536M, time 06:00:00; used (p95 of 20 runs) 280M, 00:04:00, at most 290M, 00:04:10"), "\(text)")
            #expect(text.contains("asks mem 384M, time 00:06:00 (fitted)") == fit, "\(text)")
            let script = SbatchScript.text(submitter.arrays[0], rule: g.description.rules[0], resources: asked, context: context)
            #expect(script.contains(fit ? "--mem=384M" : "--mem=65536M") && script.contains(fit ? "--time=00:06:00" : "--time=06:00:00"))
        }
    }

    @Test func afterAnOutOfMemoryTheDeclaredRequestEscalatesAsBefore() throws {
        let g = try graph(fit: true)
        let context = SubmissionContext(id: "S", projectRoot: "/p", folder: "/p/s", dbuild: "/d")
        let escalated = Dictionary(uniqueKeysWithValues: g.topologicalOrder.map { ($0, Escalation(time: 0, memory: 1)) })
        let submitter = try SlurmSubmitter(graph: g, jobs: SlurmSubmitter.jobs(for: g.topologicalOrder, in: g), limits: SlurmLimits(),
                                           context: context, escalation: escalated, usage: ["RT": try #require(RuleUsage(history))])
        #expect(submitter.resources(of: submitter.arrays[0]).memoryMB == 2 * 65536)
    }

    @Test func arrayTasksRecordWhatTheirStepsUsed() throws {
        let build = try SlurmBuild(twoRealizations())
        _ = try build.run()
        let usage = build.state.loadUsageByRule()
        #expect(Set(usage.keys) == ["P", "C", "R", "S"], "\(usage)")
        #expect(usage.values.joined().allSatisfy { $0.peakKB > 0 && $0.seconds > 0 })
    }
}

import Testing
import Backends
@testable import Workspace

/// Issue 26: `status`'s ETA for steps on SLURM counts what is left of each running step (its
/// rule's mean less the time it has run), so it comes down as time passes.
@Suite struct SlurmETATests {
    static let tracked: [String: TrackedStep] = [
        "A/1": TrackedStep(name: "A/1", rule: "A", jobID: "7", task: 0, state: .running, resultPath: "r#0"),
        "A/2": TrackedStep(name: "A/2", rule: "A", jobID: "7", task: 1, state: .running, resultPath: "r#1"),
        "A/3": TrackedStep(name: "A/3", rule: "A", jobID: "7", task: 2, state: "PENDING", resultPath: "r#2"),
    ]

    @Test func theETAComesDownAsRunningStepsRun() {
        let started: [String: Double] = ["A/1": 1_000, "A/2": 1_090]
        let progress = StatusSnapshot.slurmProgress(Self.tracked, mean: ["A": 100], startedAt: { started[$0.name] }, now: 1_100)
        // Left: A/1 0 (ran 100 of 100), A/2 90 (ran 10), A/3 100 (queued): 190 s over 2 running.
        #expect(progress?.etaSeconds == 95)
        #expect(progress?.running == 2 && progress?.queued == 1)
        let unknownStarts = StatusSnapshot.slurmProgress(Self.tracked, mean: ["A": 100])
        #expect(unknownStarts?.etaSeconds == 150, "without start times: every step's whole mean")
    }
}

import Testing
@testable import Backends

@Suite struct ProgressTests {
    @Test func lineShowsCountsElapsedAndAnETAFromRecordedDurations() {
        var now = 1000.0
        var written = ""
        let progress = ProgressReporter(total: 4, rulesOfPlannedSteps: ["A", "A", "B", "B"], parallelism: 2,
                                        expected: ["A": 10, "B": 4], isTerminal: true, color: false, quiet: false,
                                        clock: { now }, write: { written += $0 })
        progress.started("A/1")
        progress.started("A/2")
        #expect(written.hasSuffix("\r\u{1B}[K[0/4] 2 running, 0.0 s, ETA 14.0 s — A/1 and 1 more"), "(10+10+4+4)/2, the oldest named")
        now += 11
        progress.finished(rule: "A", succeeded: true, name: "A/1")
        #expect(written.hasSuffix("[1/4] 1 running, 11.0 s, ETA 9.0 s — A/2"), "the one still running named")
        progress.finished(rule: "A", succeeded: false, name: "A/2")
        #expect(written.hasSuffix("[2/4] 0 running, 1 failed, 11.0 s, ETA 4.0 s"), "(4+4)/2")
        progress.message("FAILED: A/2")
        #expect(written.hasSuffix("\r\u{1B}[KFAILED: A/2\n\r\u{1B}[K[2/4] 0 running, 1 failed, 11.0 s, ETA 4.0 s"))
    }

    @Test func unknownRulesGiveNoETAAndColourOnlyWhenAllowed() {
        var state = ProgressState(total: 3, startedAt: 0, parallelism: 2)
        state.done = 1
        state.failed = 1
        #expect(ProgressLine.render(state, now: 75, color: false) == "[1/3] 0 running, 1 failed, 1 min 15 s")
        #expect(ProgressLine.render(state, now: 75, color: true).contains("\u{1B}[31m1 failed\u{1B}[0m"))
    }

    @Test func offATerminalEachStartIsALineAndProgressIsPeriodic() {
        var now = 0.0
        var written = ""
        let progress = ProgressReporter(total: 2, rulesOfPlannedSteps: ["A", "A"], parallelism: 1, expected: [:],
                                        isTerminal: false, color: false, quiet: false, clock: { now }, write: { written += $0 })
        progress.started("A/1")
        now = 20
        progress.finished(rule: "A", succeeded: true)
        progress.started("A/2")
        #expect(written == "[1/2] A/1\nprogress: [1/2] 0 running, 20.0 s\n[2/2] A/2\n")
    }

    /// Issue 26: the ETA counts only what is left of a running step, so it comes down as the step runs.
    @Test func theETALeavesOutWhatRunningStepsHaveRun() {
        var now = 1000.0
        var written = ""
        let progress = ProgressReporter(total: 2, rulesOfPlannedSteps: ["A", "A"], parallelism: 1, expected: ["A": 10],
                                        isTerminal: true, color: false, quiet: false, clock: { now }, write: { written += $0 })
        progress.started("A/1", rule: "A")
        #expect(written.hasSuffix("ETA 20.0 s — A/1"), "\(written)")
        now += 4
        progress.message("a look later")
        #expect(written.hasSuffix("[0/2] 1 running, 4.0 s, ETA 16.0 s — A/1"), "6 s left of A/1, 10 of A/2: \(written)")
        now += 30
        progress.message("past its expected time")
        #expect(written.hasSuffix("ETA 10.0 s — A/1"), "never less than the steps not started: \(written)")
    }

    /// Steps found clean are said before the next line, so the counter never jumps unexplained.
    @Test func cleanStepsAreSaidSoTheCounterNeverJumps() {
        var written = ""
        let progress = ProgressReporter(total: 4, rulesOfPlannedSteps: ["A", "B", "B", "C"], parallelism: 1, expected: [:],
                                        isTerminal: false, color: false, quiet: false, clock: { 0 }, write: { written += $0 })
        progress.started("A/1")
        progress.finished(rule: "A", succeeded: true, name: "A/1")
        progress.skipped(rule: "B")
        progress.skipped(rule: "B")
        progress.started("C")
        #expect(written == "[1/4] A/1\n[3/4] 2 steps not run: what they read came out unchanged\n[4/4] C\n", "\(written)")
    }

    @Test func quietPrintsNothingButMessages() {
        var written = ""
        let progress = ProgressReporter(total: 1, rulesOfPlannedSteps: ["A"], parallelism: 1, expected: [:], isTerminal: true,
                                        color: false, quiet: true, clock: { 0 }, write: { written += $0 })
        progress.started("A")
        progress.finished(rule: "A", succeeded: true)
        progress.message("FAILED: x")
        #expect(written == "FAILED: x\n")
    }
}

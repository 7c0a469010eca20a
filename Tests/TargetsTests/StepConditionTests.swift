import Testing
import Targets

/// The one order in which status, the report and the finish summary judge a step.
@Suite struct StepConditionTests {
    @Test func outThereFirstThenSoundThenFailedThenBlockedThenWhatIsMissing() {
        typealias F = StepCondition.Facts
        let everything = F(handedOver: true, running: true, sound: true, failed: true, blocked: true, missing: true, broken: true)
        #expect(StepCondition.of(everything) == .running)
        #expect(StepCondition.of(F(handedOver: true, sound: true, failed: true)) == .queued)
        #expect(StepCondition.of(F(sound: true, failed: true, blocked: true, missing: true)) == .built)
        #expect(StepCondition.of(F(failed: true, blocked: true, missing: true)) == .failed)
        #expect(StepCondition.of(F(blocked: true, missing: true, broken: true)) == .blocked)
        #expect(StepCondition.of(F(missing: true, broken: true)) == .missing)
        #expect(StepCondition.of(F(broken: true)) == .broken)
        #expect(StepCondition.of(F()) == .stale)
    }
}

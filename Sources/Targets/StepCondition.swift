/// What a step is, judged in the one order every view of steps uses — `status`, the report and the
/// finish summary: handed to a scheduler or running here first; then sound (up to date for `status`;
/// its products present and sound for the report, which judges by the products as `verify` does;
/// recorded since the build began for the finish summary); then its last attempt failed; then blocked
/// by a failure; then missing, broken, or stale. (`verify` counts outputs, not steps: it judges each
/// with `ProductCheck`, the predicate "sound" means here.)
public enum StepCondition: String, CaseIterable, Sendable {
    case queued, running, built, failed, blocked, missing, broken, stale

    /// The facts a view knows of one step.
    public struct Facts: Sendable {
        /// Handed to a scheduler that still has it (queued, or running there).
        public var handedOver = false
        /// Running: there, or marked running by the local build that holds the project now.
        public var running = false
        public var sound = false
        /// Its last attempt failed (a failure record).
        public var failed = false
        /// Not run because a step it needs failed.
        public var blocked = false
        public var missing = false
        public var broken = false

        public init(handedOver: Bool = false, running: Bool = false, sound: Bool = false, failed: Bool = false,
                    blocked: Bool = false, missing: Bool = false, broken: Bool = false) {
            self.handedOver = handedOver
            self.running = running
            self.sound = sound
            self.failed = failed
            self.blocked = blocked
            self.missing = missing
            self.broken = broken
        }
    }

    public static func of(_ facts: Facts) -> StepCondition {
        if facts.running { return .running }
        if facts.handedOver { return .queued }
        if facts.sound { return .built }
        if facts.failed { return .failed }
        if facts.blocked { return .blocked }
        if facts.missing { return .missing }
        if facts.broken { return .broken }
        return .stale
    }
}

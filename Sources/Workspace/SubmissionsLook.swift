import Foundation
import Basics
import Targets
import Backends

/// Where the project's SLURM submissions stand, as `status`, `report --watch` and a finish job see
/// them. Results become state in one place (`Project.refreshSubmissions`) and under the project's
/// lock: a look takes the lock for a moment when no one holds it and records what ended; when
/// another dbuild holds it (a build following its submission with `--wait`), the look writes
/// nothing — that dbuild records what ended at its own next look, and would never learn of steps a
/// reader had settled behind its back.
public struct SubmissionsLook {
    /// Steps still queued or running, by name.
    public var inFlight: [String: TrackedStep] = [:]
    /// Steps that ended and wait for the dbuild holding the lock to record them.
    public var endedUnrecorded: [StepOutcome] = []
    /// That dbuild (nil when this look recorded what ended itself).
    public var writer: LockHolder?
}

extension Project {
    /// One look at the submissions still out (see `SubmissionsLook`); nothing at all when none is.
    /// `patience`: seconds to keep trying for the lock before looking without writing.
    public func look(patience: Double = 0) throws -> SubmissionsLook {
        let view = try openState(readOnly: true)
        guard !(try view.loadSubmissions(activeOnly: true)).isEmpty else { return SubmissionsLook() }
        let deadline = Date().addingTimeInterval(patience)
        var locked = ProjectLock.tryAcquireBriefly(in: dotDbuild)
        while !locked && Date() < deadline {
            usleep(200_000)
            locked = ProjectLock.tryAcquireBriefly(in: dotDbuild)
        }
        if locked {
            defer { ProjectLock.releaseBrief() }
            return SubmissionsLook(inFlight: try refreshSubmissions().inFlight)
        }
        let tracker = try tracker(state: view)
        tracker.settles = false
        let report = try tracker.refresh()
        var look = SubmissionsLook(inFlight: report.inFlight, endedUnrecorded: report.outcomes,
                                   writer: ProjectLock.liveHolder(in: dotDbuild, includingBrief: true))
        // Ended, not recorded yet: still the writer's, counted as finishing (SLURM's COMPLETING).
        for outcome in report.outcomes {
            let name = graph.name(Int(outcome.step))
            look.inFlight[name] = TrackedStep(name: name, rule: graph.rule(of: Int(outcome.step)).name, jobID: nil, task: 0,
                                              state: .completing, resultPath: nil)
        }
        return look
    }
}

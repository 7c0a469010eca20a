import Foundation
import Targets
import Backends

/// On SLURM without `--wait` nobody stays to remove the `.temporary()` outputs a submission used:
/// its finish job does (`FinishRun`), as the project's writer for a moment, once the scheduler has
/// nothing of the project out. What goes is decided as a build decides it (`Builder.removeUsedTemporaries`):
/// only outputs whose readers are all recorded, not failed and up to date now.
enum UsedTemporaries {
    /// How many steps' outputs were removed (0 when another submission is still out, or a build
    /// holds the project: that one removes them when it ends).
    static func remove(_ project: Project, patience: Double) -> Int {
        let graph = project.graph
        guard graph.description.rules.contains(where: \.isTemporary),
              let look = try? project.look(patience: patience), look.inFlight.isEmpty else { return 0 }
        let deadline = Date().addingTimeInterval(patience)
        var locked = ProjectLock.tryAcquireBriefly(in: project.dotDbuild)
        while !locked && Date() < deadline {
            usleep(200_000)
            locked = ProjectLock.tryAcquireBriefly(in: project.dotDbuild)
        }
        guard locked else { return 0 }
        defer { ProjectLock.releaseBrief() }
        guard let state = try? project.openState(readOnly: false),
              let scanner = try? project.scanner(state: state, forced: false),
              let reasons = try? project.scan(scanner, needed: [Bool](repeating: true, count: graph.stepCount)) else { return 0 }
        return Builder.removeUsedTemporaries(graph: graph, state: state, plan: Plan(graph: graph, reasons: reasons),
                                             fileSystem: project.fileSystem)
    }
}

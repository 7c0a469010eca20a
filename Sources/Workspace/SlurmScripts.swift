import Foundation
import Basics
import Targets
import Backends

/// `-n` and `--emit-only` with the SLURM backend: the arrays a submission would make and their
/// scripts on disk, without submitting (the engine submits real builds through `SlurmBackend`).
public struct SlurmScripts {
    public let project: Project

    public init(project: Project) {
        self.project = project
    }

    /// Writes the scripts; prints the plan unless `printing` is false. Returns the arrays planned (nil: nothing to submit).
    @discardableResult
    public func emit(_ plan: Plan, inFlight: [Int32: String?], into emitOnly: String?, history: [String: RuleHistory],
              usage: [String: RuleUsage], maxCoreHours: Double?, printing: Bool = true, finishJob: Bool = false) throws -> SlurmSubmitter? {
        let folder = emitOnly.map { $0.hasPrefix("/") ? $0 : FileManager.default.currentDirectoryPath + "/" + $0 }
            ?? project.dotDbuild + "/slurm/dry-run"
        guard !plan.isEmpty else { return nil }
        let limits = (try? SlurmClient().limits()) ?? SlurmLimits()
        let context = SubmissionContext(id: emitOnly == nil ? "dry-run" : SlurmSubmitter.newID(), projectRoot: project.root,
                                        folder: folder, dbuild: try Self.jobsExecutable(project))
        let submitter = try SlurmSubmitter(graph: project.graph, steps: plan.steps,
                                       limits: limits, context: context, inFlight: inFlight.compactMapValues { $0 },
                                       history: history, usage: usage, maxCoreHours: maxCoreHours,
                                       queued: finishJob ? 1 : 0)          // room for the on-finish job, as a real submission leaves
        keepUntilExit(submitter)
        try? FileManager.default.removeItem(atPath: folder + "/results")
        try submitter.writeFolder()
        if printing {
            print("\n" + submitter.planText() + "Scripts: \(folder) (submit.sh submits them in order)"
                  + (emitOnly != nil ? "; dbuild does not track a submission made by hand" : ""))
        }
        return submitter
    }

    public static func executablePath() -> String {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
    }

    /// The copy of this dbuild that the project's jobs run (see `DbuildCopy`).
    public static func jobsExecutable(_ project: Project) throws -> String {
        do {
            // The Rules module goes with it: a wave's continuation job may have to evaluate the Datafile.
            let rules = try? DatafileEvaluator.rulesDirectory()
            let companions = rules.map { dir in
                Dictionary(uniqueKeysWithValues: DatafileEvaluator.rulesFiles.map { (String($0.dropFirst()), dir + $0) })
            } ?? [:]
            return try DbuildCopy.install(executablePath(), into: project.dotDbuild, companions: companions)
        } catch {
            throw DbuildFailure.setup("\(error)")
        }
    }
}

import ArgumentParser
import Foundation
import Workspace
import Targets
import Backends

/// `dbuild state check | repair`: the way forward when `.dbuild/state.db` is damaged (a full disk, a
/// copy taken mid-write, a file system that lost blocks). `dbuild state gc`: give back the files of
/// settled SLURM submissions.
struct StateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state", abstract: "Check or repair dbuild's record of what it built (.dbuild/state.db).",
        subcommands: [Check.self, Repair.self, GC.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Say whether the state database is readable and consistent.")
        @OptionGroup var project: ProjectOptions

        func run() throws {
            let project = try Project(options: self.project)
            if let problem = StateHealth.problem(project) { throw DbuildFailure.brokenState(problem) }
            print("state: ok (\(project.dotDbuild)/state.db)")
        }
    }

    struct Repair: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move a damaged state database aside and rebuild the records from the products on disk.",
            discussion: "Nothing is run: products that are present and pass the rule's checks are recorded again "
                + "(as `dbuild adopt` does); the rest will be built by the next `dbuild all`.")
        @OptionGroup var project: ProjectOptions

        func run() throws {
            let project = try Project(options: self.project)
            try project.lock()
            guard let problem = StateHealth.problem(project) else {
                print("state: ok; nothing to repair")
                return
            }
            let aside = try StateHealth.moveAside(project)
            print("state: \(problem)\nstate: moved it to \(aside) (kept for inspection; delete it when done)")
            let result = try Adoption.run(project, steps: Array(0..<project.graph.stepCount), state: try project.openState(readOnly: false))
            print("state: recorded \(result.adopted) step\(result.adopted == 1 ? "" : "s") from the products on disk; "
                  + "\(result.skipped.count) will be built by the next `dbuild all` (their products are missing or broken).")
            result.skippedLines.forEach { print($0) }
        }
    }
}

extension StateCommand {
    struct GC: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "gc", abstract: "Remove settled SLURM submissions' folders and merge old log packs.",
            discussion: "A settled submission's results are already in the state store. Its folder is removed when it is older "
                + "than --older-than days (default 0: now); a younger one keeps its scripts and manifests only. A folder that a queued "
                + "or running job, a wave continuation, or a submission still out needs is kept, and so is every folder when "
                + "the queue cannot be asked. Without gc, settled folders are compacted at once and removed after "
                + "DBUILD_KEEP_SUBMISSIONS_DAYS (14). Log packs last written more than --older-than days ago are merged into "
                + "one archive pack keeping each step's latest log (a build merges those older than 7 days itself).")
        @OptionGroup var project: ProjectOptions
        @Option(help: ArgumentHelp("Remove settled submissions (and merge log packs) at least this many days old (default 0).", valueName: "days"))
        var olderThan: Double = 0

        func run() throws {
            let project = try Project(options: self.project)
            try project.lock()
            let before = OwnFiles.count(root: project.root, dotDbuild: project.dotDbuild)
            let (outcome, merged) = try StateHealth.collectGarbage(project, olderThanDays: olderThan)
            let after = OwnFiles.count(root: project.root, dotDbuild: project.dotDbuild)
            print("state gc: removed \(outcome.removed.count) settled submission\(outcome.removed.count == 1 ? "" : "s"), "
                  + "compacted \(outcome.compacted.count), kept \(outcome.kept.count); merged \(merged) log pack\(merged == 1 ? "" : "s") "
                  + "into one; dbuild's own files \(before.total) → \(after.total)")
            for (id, why) in outcome.kept { print("  kept \(id): \(why)") }
        }
    }
}

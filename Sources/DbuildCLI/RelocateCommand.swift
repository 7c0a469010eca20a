import ArgumentParser
import Foundation
import Workspace
import Basics
import Targets
import Backends

/// `dbuild relocate [ROOT…]`: brings the products of roots with several locations into the first
/// one, checked against the records. A dry run unless `--apply`; resumable after being killed (a
/// journal in .dbuild names the copies under way); tab-separated reports of what moved, what is
/// missing everywhere, what conflicts and what no step declares.
struct RelocateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relocate",
        abstract: "Move a root's products from its older locations into its first one.",
        discussion: "A dry run unless --apply. Never overwrites: a copy that differs is a conflict (exit 1). "
            + "An identical copy left in an older location is left alone.")

    @OptionGroup var project: ProjectOptions
    @Argument(help: "Roots to relocate (default: every root with more than one location).") var roots: [String] = []
    @Option(help: ArgumentHelp("Only the products of these steps or prefixes.", valueName: "target")) var only: [String] = []
    @Flag(help: "Act; without it, print what would be done and change nothing.") var apply = false
    @Flag(help: "Link (symlink in the first location to the old copy) instead of moving.") var link = false
    @Option(help: ArgumentHelp("Folder for the reports (default: logs/relocate-<time>).", valueName: "dir")) var reports: String?

    func run() throws {
        let project = try Project(options: self.project)
        let graph = project.graph
        let known = graph.roots.names
        for name in roots where !known.contains(name) {
            throw DbuildFailure.usage("no root named \(name); the Datafile declares " + (known.isEmpty ? "no roots" : known.joined(separator: ", ")))
        }
        let selected = roots.isEmpty ? known.filter { (graph.roots.locations[$0]?.count ?? 0) > 1 } : roots
        var selection: Set<String>?
        if !only.isEmpty {
            let (steps, _) = try project.select(only)
            selection = Set(steps.flatMap { graph.outputs(of: $0) })
        }
        let journal = project.dotDbuild + "/relocate.journal"
        if apply {
            try project.lock()
            try Relocation.finishInterrupted(journal: journal, link: link, fileSystem: project.fileSystem)
        }
        let state = try project.openState(readOnly: true)
        let records = try state.loadRecords()
        let hashes = try state.loadHashCache()
        let plan = Relocation(graph: graph, roots: selected, selection: selection, fileSystem: project.fileSystem,
                              recordedHash: { hashes[$0]?.hash },
                              recordedSize: { path in
                                  guard let id = graph.pathID(path), graph.producer[Int(id)] >= 0 else { return nil }
                                  let step = Int(graph.producer[Int(id)])
                                  guard let record = records[graph.name(step)],
                                        let i = graph.outputs(of: step).firstIndex(of: path), i < record.outputCount else { return nil }
                                  return record.outputSize(i)
                              })
        let verb = link ? "link" : "move"
        if !apply {
            for move in plan.moves { print("would \(verb) \(move.path): \(move.from) → \(move.to)") }
        } else {
            try plan.apply(journal: journal, link: link, fileSystem: project.fileSystem) { move in
                print("\(verb == "link" ? "linked" : "moved") \(move.path): \(move.from) → \(move.to)")
            }
        }
        for copy in plan.identical { print("identical copy left in place: \(copy.path) (\(copy.old))") }
        for conflict in plan.conflicts { print("CONFLICT \(conflict.path): \(conflict.other) \(conflict.why) (\(conflict.first)); left as it is") }
        for missing in plan.missing { print("missing everywhere: \(missing.path) (made by \(missing.step); dbuild all remakes it)") }
        for file in plan.undeclared.prefix(20) { print("no step declares \(file.path) (\(file.file))") }
        if plan.undeclared.count > 20 { print("… and \(plan.undeclared.count - 20) more files no step declares (see the report)") }
        var summary = "\(apply ? (link ? "linked" : "moved") : "would \(verb)") \(plan.moves.count), \(plan.identical.count) identical "
            + "cop\(plan.identical.count == 1 ? "y" : "ies") left, \(plan.conflicts.count) conflict\(plan.conflicts.count == 1 ? "" : "s"), "
            + "\(plan.missing.count) missing everywhere, \(plan.undeclared.count) undeclared"
        if apply {
            let formatter = DateFormatter()
            formatter.dateFormat = "yyyyMMdd-HHmmss"
            let folder = reports ?? project.root + "/logs/relocate-" + formatter.string(from: Date())
            try plan.writeReports(into: folder)
            summary += "; reports in \(folder)"
        } else {
            summary += " (a dry run: nothing changed; --apply acts)"
        }
        print(summary)
        if !plan.conflicts.isEmpty { throw ExitCode(1) }
    }
}

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
            try finishInterrupted(journal: journal, fileSystem: project.fileSystem)
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
            for move in plan.moves {
                try appendLine("\(move.from)\t\(move.to)\n", to: journal)
                try Relocation.move(from: move.from, to: move.to, link: link, fileSystem: project.fileSystem)
                print("\(verb == "link" ? "linked" : "moved") \(move.path): \(move.from) → \(move.to)")
            }
            unlink(journal)
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
            let folder = try writeReports(plan, project: project)
            summary += "; reports in \(folder)"
        } else {
            summary += " (a dry run: nothing changed; --apply acts)"
        }
        print(summary)
        if !plan.conflicts.isEmpty { throw ExitCode(1) }
    }

    /// Moves that a killed run left half-done: both copies there and identical → the source goes.
    private func finishInterrupted(journal: String, fileSystem: DiskFileSystem) throws {
        guard let text = readFile(journal) else { return }
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "\t").map(String.init)
            guard parts.count == 2 else { continue }
            let (source, destination) = (parts[0], parts[1])
            unlink(destination + Relocation.partialSuffix)
            var info = stat()
            if link || lstat(destination, &info) != 0 || lstat(source, &info) != 0 { continue }
            if Relocation.size(source) == Relocation.size(destination),
               fileSystem.contentHash(source) == fileSystem.contentHash(destination) {
                unlink(source)
            }
        }
        unlink(journal)
    }

    private func writeReports(_ plan: Relocation, project: Project) throws -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        let folder = reports ?? project.root + "/logs/relocate-" + formatter.string(from: Date())
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        func tsv(_ name: String, _ header: String, _ rows: [String]) throws {
            try writeAtomically(Data(([header] + rows).map { $0 + "\n" }.joined().utf8), to: folder + "/" + name)
        }
        try tsv("moved.tsv", "path\tfrom\tto", plan.moves.map { "\($0.path)\t\($0.from)\t\($0.to)" })
        try tsv("missing.tsv", "path\tstep", plan.missing.map { "\($0.path)\t\($0.step)" })
        try tsv("conflicts.tsv", "path\tfirst\tother\twhy", plan.conflicts.map { "\($0.path)\t\($0.first)\t\($0.other)\t\($0.why)" })
        try tsv("identical.tsv", "path\told_copy", plan.identical.map { "\($0.path)\t\($0.old)" })
        try tsv("undeclared.tsv", "path\tfile", plan.undeclared.map { "\($0.path)\t\($0.file)" })
        return folder
    }

    private func appendLine(_ line: String, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DbuildFailure.setup("cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        _ = line.withCString { write(fd, $0, strlen($0)) }
        fsync(fd)
    }
}

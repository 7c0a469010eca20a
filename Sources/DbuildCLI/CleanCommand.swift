import ArgumentParser
import Foundation
import Workspace
import Targets

/// `dbuild clean <prefix>`: removes the products of the selected steps (only those, not what they need)
/// and forgets their records. `--undeclared`: the products of steps the Datafile no longer declares.
struct CleanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "clean", abstract: "Remove the products of steps.")

    @OptionGroup var project: ProjectOptions
    @Argument(help: "Step names, prefixes or output paths whose products to remove ('all' for everything).")
    var targets: [String] = []
    @Flag(name: [.customShort("y"), .long], help: "Do not ask for confirmation.") var yes = false
    @Flag(name: [.customShort("n"), .long], help: "List what would be removed; remove nothing.") var dryRun = false
    @Flag(help: "Remove the products of steps the Datafile no longer declares (a row removed from a catalog), as dbuild made them.")
    var undeclared = false

    func validate() throws {
        if targets.isEmpty && !undeclared {
            throw ValidationError("name what to clean, e.g. `dbuild clean LP/model7`, `dbuild clean all` or `dbuild clean --undeclared`")
        }
    }

    func run() throws {
        let project = try Project(options: self.project)
        let graph = project.graph
        let (roots, _) = targets.isEmpty ? ([], []) : try project.select(targets)
        let notes = undeclared ? UndeclaredProducts.read(project.cacheEntry) : []
        let dropped = undeclared
            ? UndeclaredProducts.removal(of: notes, graph: graph, records: try project.openState(readOnly: true).loadRecords(),
                                         fileSystem: project.fileSystem)
            : UndeclaredProducts.Removal()
        if !self.project.quiet {
            for kept in dropped.kept.prefix(20) { print("Kept \(kept)") }
            if dropped.kept.count > 20 { print("… and \(dropped.kept.count - 20) more kept") }
        }
        let present = roots.flatMap { graph.outputs(of: $0) }.filter { project.fileSystem.status($0) != nil } + dropped.files
        let steps = roots.count + dropped.settledSteps.count
        if present.isEmpty {
            if undeclared { try UndeclaredProducts.write(dropped.remaining, project.cacheEntry) }
            if !self.project.quiet { print("Nothing to remove: the \(counted(steps, "selected step")) \(steps == 1 ? "has" : "have") no products on disk.") }
            return
        }
        let what = "\(counted(present.count, "file")) of \(counted(steps, "step"))"
        if dryRun {
            for file in present { print("would remove \(file)") }
            print("Would remove \(what); nothing removed (-n).")
            return
        }
        if !yes {
            guard isatty(0) != 0 else {
                throw DbuildFailure.usage("clean would remove \(what); see them with -n, confirm with --yes when not at a terminal")
            }
            print("Remove \(what)? [y/N] ", terminator: "")
            guard let answer = readLine(), ["y", "yes"].contains(answer.lowercased()) else {
                print("Nothing removed.")
                return
            }
        }
        try project.remove(present, forgetting: roots.map(graph.name) + dropped.settledSteps)
        if undeclared { try UndeclaredProducts.write(dropped.remaining, project.cacheEntry) }
        if !self.project.quiet { print("Removed \(what).") }
    }
}

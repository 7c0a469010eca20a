import ArgumentParser
import Foundation
import Targets

/// `dbuild clean <prefix>`: removes the products of the selected steps (only those, not what they need)
/// and forgets their records.
struct CleanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "clean", abstract: "Remove the products of steps.")

    @OptionGroup var project: ProjectOptions
    @Argument(help: "Step names, prefixes or output paths whose products to remove ('all' for everything).")
    var targets: [String] = []
    @Flag(name: [.customShort("y"), .long], help: "Do not ask for confirmation.") var yes = false
    @Flag(help: "Remove the products of steps the Datafile no longer declares (a row removed from a catalog).")
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
        // Products of steps an evaluation dropped, unless a step of the graph makes them again.
        let dropped = undeclared ? UndeclaredProducts.read(project.dotDbuild).filter { graph.step(named: $0.name) == nil } : []
        let droppedOutputs = dropped.flatMap(\.outputs).filter { path in
            graph.pathID(path).map { graph.producer[Int($0)] < 0 } ?? true
        }
        let present = (roots.flatMap { graph.outputs(of: $0) } + droppedOutputs).filter { project.fileSystem.status($0) != nil }
        if present.isEmpty {
            if !self.project.quiet { print("Nothing to remove: the \(roots.count + dropped.count) selected steps have no products on disk.") }
            return
        }
        if !yes {
            guard isatty(0) != 0 else {
                throw DbuildFailure.usage("clean would remove \(present.count) files; confirm with --yes when not at a terminal")
            }
            print("Remove \(present.count) files made by \(roots.count + dropped.count) steps? [y/N] ", terminator: "")
            guard let answer = readLine(), ["y", "yes"].contains(answer.lowercased()) else {
                print("Nothing removed.")
                return
            }
        }
        try project.lock()
        let state = try project.openState(readOnly: false)
        present.forEach(project.fileSystem.removeFile)
        try state.forget(roots.map(graph.name) + dropped.map(\.name))
        if undeclared { UndeclaredProducts.write([], project.dotDbuild) }
        if !self.project.quiet { print("Removed \(present.count) files of \(roots.count + dropped.count) steps.") }
    }
}

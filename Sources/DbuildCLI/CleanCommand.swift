import ArgumentParser
import Foundation
import Targets

/// `dbuild clean <prefix>`: removes the products of the selected steps (only those, not what they need)
/// and forgets their records.
struct CleanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "clean", abstract: "Remove the products of steps.")

    @OptionGroup var project: ProjectOptions
    @Argument(help: "Step names, prefixes or output paths whose products to remove ('all' for everything).")
    var targets: [String]
    @Flag(name: [.customShort("y"), .long], help: "Do not ask for confirmation.") var yes = false

    func validate() throws {
        if targets.isEmpty { throw ValidationError("name what to clean, e.g. `dbuild clean LP/model7`, or `dbuild clean all`") }
    }

    func run() throws {
        let project = try Project(options: self.project)
        let graph = project.graph
        let (roots, _) = try project.select(targets)
        let present = roots.flatMap { graph.outputs(of: $0) }.filter { project.fileSystem.status($0) != nil }
        if present.isEmpty {
            if !self.project.quiet { print("Nothing to remove: the \(roots.count) selected steps have no products on disk.") }
            return
        }
        if !yes {
            guard isatty(0) != 0 else {
                throw DbuildFailure.usage("clean would remove \(present.count) files; confirm with --yes when not at a terminal")
            }
            print("Remove \(present.count) files made by \(roots.count) steps? [y/N] ", terminator: "")
            guard let answer = readLine(), ["y", "yes"].contains(answer.lowercased()) else {
                print("Nothing removed.")
                return
            }
        }
        try project.lock()
        let state = try project.openState(readOnly: false)
        present.forEach(project.fileSystem.removeFile)
        try state.forget(roots.map(graph.name))
        if !self.project.quiet { print("Removed \(present.count) files of \(roots.count) steps.") }
    }
}

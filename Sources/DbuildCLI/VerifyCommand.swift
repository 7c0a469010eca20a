import ArgumentParser
import Foundation
import Targets

/// `dbuild verify [prefix]`: are the expected products there? Counts outputs per rule and per first
/// name component; exit 0 when complete, 1 when not. Runs nothing and changes nothing.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "verify", abstract: "Check that every expected product exists.")

    @OptionGroup var project: ProjectOptions
    @Argument(help: "Step names or prefixes to check (default: all).") var targets: [String] = []
    @Flag(help: "List the missing and broken paths.") var missing = false
    @Flag(help: "Print the result as JSON.") var json = false

    func run() throws {
        let project = try Project(options: self.project)
        let (roots, _) = try project.select(targets)
        let report = CompletenessReport(graph: project.graph, steps: roots, fileSystem: project.fileSystem)
        print(json ? report.json() : report.table(listMissing: missing), terminator: "")
        if !report.isComplete { throw ExitCode(1) }
    }
}

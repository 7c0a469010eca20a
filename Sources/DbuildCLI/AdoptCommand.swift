import ArgumentParser
import Foundation
import Workspace
import Targets

/// `dbuild adopt [prefix]`: records products that exist but were not made by dbuild (an existing
/// campaign, or a lost `.dbuild/`), after checking them as `verify` does, so they are neither trusted
/// blindly nor recomputed.
struct AdoptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "adopt", abstract: "Record existing products that dbuild did not make.")

    @OptionGroup var project: ProjectOptions
    @Argument(help: "Step names or prefixes (default: all).") var targets: [String] = []

    func run() throws {
        let project = try Project(options: self.project)
        try project.lock()
        let (roots, _) = try project.select(targets)
        let result = try Adoption.run(project, steps: roots, state: try project.openState(readOnly: false))
        print("Adopted \(result.adopted) step\(result.adopted == 1 ? "" : "s"); \(result.alreadyRecorded) already recorded; "
              + "\(result.skipped.count) not adopted (their products are missing or broken).")
        result.skippedLines.forEach { print($0) }
    }
}

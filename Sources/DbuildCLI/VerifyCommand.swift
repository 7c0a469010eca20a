import ArgumentParser
import Foundation
import Workspace
import Rules
import Targets

/// `dbuild verify [prefix]`: are the expected products there and sound? Counts outputs per group;
/// exit 0 when every expectation holds, 1 when not, 2 on usage errors. Runs and changes nothing.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "verify", abstract: "Check the products against the Datafile's expectations.")

    @OptionGroup var project: ProjectOptions
    @Argument(help: "Step names or prefixes to check (default: all).") var targets: [String] = []
    @Option(help: ArgumentHelp("Group by a name component: rule or a parameter; repeat for several (default: rule, then rule and first parameter).",
                               valueName: "component"))
    var by: [String] = []
    @Flag(help: "List the missing and broken paths.") var missing = false
    @Flag(help: "Print the result as JSON.") var json = false

    func run() throws {
        let project = try Project(options: self.project)
        let graph = project.graph
        let known = Set(["rule"] + graph.description.rules.flatMap(\.parameterNames))
        for component in by where !known.contains(component) {
            throw DbuildFailure.usage("--by \(component): no rule has a parameter of that name; use rule or one of "
                + known.sorted().joined(separator: ", "))
        }
        let (roots, selected) = try project.select(targets)
        try HDF5Expectations.requireLibrary(for: graph.description.rules)
        let view = try project.openState(readOnly: true)
        let records = try view.loadRecords()
        // Outputs gone on purpose (removed temporaries, intermediates on purged roots) are not missing.
        let onPurpose = graph.description.rules.contains(where: \.isTemporary) || !graph.roots.purgeDays.isEmpty
            ? try project.scanner(state: view, forced: false) : nil
        let names = graph.names
        project.fileSystem.beginScan()          // a look: verify writes nothing
        defer { project.fileSystem.endScan() }
        let report = CompletenessReport(
            graph: graph, steps: roots, fileSystem: project.fileSystem,
            groupings: by.isEmpty ? [["rule"], ["first"]] : [by],
            isRecorded: { records[names[$0]] != nil },
            contentProblem: { path, rule in HDF5Expectations.problem(project.fileSystem.absolute(path), rule.hdf5Checks) },
            isRemovedTemporary: onPurpose.map { scanner in { scanner.isRemovedTemporary($0) } })
        var text = json ? report.json() : report.table(listMissing: missing)
        if self.project.quiet && !json, let summary = text.range(of: "\nComplete:") ?? text.range(of: "\nIncomplete:") {
            text = String(text[text.index(after: summary.lowerBound)...])      // the verdict (and --missing's list) only
        }
        print(text, terminator: "")
        if !json && !self.project.quiet && !graph.roots.isEmpty {
            print(RootReport(graph: graph, fileSystem: project.fileSystem).text(listAll: missing, projectRoot: project.root), terminator: "")
        }
        if !json && !self.project.quiet, let undeclared = UndeclaredSteps.line(UndeclaredSteps.names(records: records, graph: graph, targets: targets)) {
            print(undeclared)
        }
        let damage = FolderDamage.lines(project, steps: selected, trees: try project.openState(readOnly: true).loadTrees())
        if !json && !damage.isEmpty {
            print("Inside folder products, changed since their steps made them (verify exits 1; the next build remakes them):\n" + damage.joined(separator: "\n"))
        }
        if !report.isComplete || !damage.isEmpty { throw ExitCode(1) }
    }
}

import ArgumentParser
import Targets

/// `dbuild list [prefix]`: every selected step and its state: built, stale (why) or missing.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List steps and their state.")

    @OptionGroup var project: ProjectOptions
    @Argument(help: "Step names or prefixes (default: all).") var targets: [String] = []
    @Flag(help: "Print the list as JSON (schema dbuild.list/1, see the README).") var json = false

    func run() throws {
        let project = try Project(options: self.project)
        let graph = project.graph
        let state = try project.openState(readOnly: true)
        let (roots, _) = try project.select(targets)
        // Judge the listed steps in context: everything they need is scanned too.
        let needed = Selection.closure(of: roots, in: graph)
        let scanner = try project.scanner(state: state, forced: false)
        let reasons = try project.scan(scanner, needed: needed)
        var document = ListDocument()
        for step in roots {
            let state: String
            var reason: String?
            switch reasons[step] {
            case nil: state = scanner.records[graph.name(step)] == nil ? "unrecorded" : "built"
            case .missingOutput?: state = "missing"
            case let stale?: state = "stale"; reason = stale.text(in: graph)
            }
            document.add(.init(step: graph.name(step), rule: graph.rule(of: step).name, state: state, reason: reason))
        }
        document.undeclared = UndeclaredSteps.names(records: scanner.records, graph: graph, targets: targets)
        print(json ? document.json() : document.text())
    }
}

import Workspace
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
        func stateWord(_ step: Int) -> String {
            switch reasons[step] {
            case nil: return scanner.records[graph.name(step)] == nil ? "unrecorded" : "built"
            case .missingOutput?: return "missing"
            case let reason? where reason.runsOnlyIfInputsChange(graph.rule(of: step)): return "if-changed"
            case _?: return "stale"
            }
        }
        func step(_ i: Int) -> ListDocument.Step {
            let step = roots[i]
            let reason: String? = if case .missingOutput? = reasons[step] { nil } else { reasons[step]?.text(in: graph) }
            return .init(step: graph.name(step), rule: graph.rule(of: step).name, state: stateWord(step), reason: reason)
        }
        var document = ListDocument()
        for step in roots { document.counts[stateWord(step), default: 0] += 1 }
        document.undeclared = UndeclaredSteps.names(records: scanner.records, graph: graph, targets: targets)
        if json {
            document.print(count: roots.count, step: step)
        } else {
            print(document.text(count: roots.count, step: step))
        }
    }
}

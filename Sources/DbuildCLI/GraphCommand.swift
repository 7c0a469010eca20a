import Workspace
import ArgumentParser
import Targets

/// `dbuild graph [prefix]`: the rule graph (or, with --steps, the step graph of a small selection) as
/// DOT or Mermaid.
struct GraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "graph", abstract: "Print the rule graph as DOT or Mermaid.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case dot, mermaid }

    @OptionGroup var project: ProjectOptions
    @Argument(help: "With --steps: the steps to draw, and what they need (default: all).") var targets: [String] = []
    @Option(help: "dot or mermaid.") var format: Format = .dot
    @Flag(help: "Draw steps instead of rules (at most \(StepGraph.limit) of them).") var steps = false

    func run() throws {
        let project = try Project(options: self.project)
        let graph = project.graph
        let (_, needed) = try project.select(targets)
        if steps {
            let chosen = needed.indices.filter { needed[$0] }
            guard chosen.count <= StepGraph.limit else {
                throw DbuildFailure.usage("the selection has \(chosen.count) steps; a step graph that big cannot be read. "
                    + "Draw the rule graph (without --steps) or select fewer steps, e.g. dbuild graph --steps \(graph.name(chosen[0]))")
            }
            print(StepGraph.render(graph: graph, steps: chosen, mermaid: format == .mermaid), terminator: "")
            return
        }
        let scanner = try project.scanner(state: try project.openState(readOnly: true), forced: false)
        let reasons = try project.scan(scanner, needed: needed)
        let ruleGraph = RuleGraph(graph: graph, stale: reasons.map { $0 != nil })
        print(format == .dot ? ruleGraph.dot() : ruleGraph.mermaid(), terminator: "")
    }
}

import ArgumentParser
import Targets

/// `dbuild list [prefix]`: every selected step and its state: built, stale (why) or missing.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List steps and their state.")

    @OptionGroup var project: ProjectOptions
    @Argument(help: "Step names or prefixes (default: all).") var targets: [String] = []

    func run() throws {
        let project = try Project(options: self.project)
        let graph = project.graph
        let state = try project.openState(readOnly: true)
        let (roots, _) = try project.select(targets)
        // Judge the listed steps in context: everything they need is scanned too.
        let needed = Selection.closure(of: roots, in: graph)
        let scanner = try project.scanner(state: state, forced: false)
        let reasons = try project.scan(scanner, needed: needed)
        var counts: [String: Int] = [:]
        var lines: [String] = []
        let width = roots.map { graph.name($0).count }.max() ?? 0
        for step in roots {
            let word: String
            var detail = ""
            switch reasons[step] {
            case nil: word = scanner.records[graph.name(step)] == nil ? "unrecorded" : "built"
            case .missingOutput?: word = "missing"
            case let reason?: word = "stale"; detail = "  (\(reason.text(in: graph)))"
            }
            counts[word, default: 0] += 1
            let name = graph.name(step)
            lines.append(name + String(repeating: " ", count: width - name.count) + "  " + word + detail)
        }
        print(lines.joined(separator: "\n"))
        let order = ["built", "unrecorded", "stale", "missing"]
        print("\n" + order.compactMap { key in counts[key].map { "\($0) \(key)" } }.joined(separator: ", "))
        if let undeclared = UndeclaredSteps.line(UndeclaredSteps.names(records: scanner.records, graph: graph, targets: targets)) {
            print(undeclared)
        }
    }
}

import ArgumentParser
import Foundation

/// `dbuild report`: one self-contained HTML page in logs/ with the rule graph, a completeness
/// heatmap, the last build's timeline, the slowest steps and the failures.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "report", abstract: "Write an HTML report of the campaign to logs/.")

    @OptionGroup var project: ProjectOptions
    @Option(help: "Heatmap rows: a parameter name or rule (default: the first parameter of the first rule with two).")
    var rows: String?
    @Option(help: "Heatmap columns: a parameter name or rule (default: that rule's second parameter).")
    var columns: String?
    @Option(help: ArgumentHelp("Where to write it (default: logs/report.html).", valueName: "path")) var output: String?

    func run() throws {
        let project = try Project(options: self.project)
        let known = Set(["rule"] + project.graph.description.rules.flatMap(\.parameterNames))
        for component in [rows, columns].compactMap({ $0 }) where !known.contains(component) {
            throw DbuildFailure.usage("\(component) is not a name component; use rule or one of " + known.sorted().joined(separator: ", "))
        }
        let data = try ReportData.gather(project: project, rows: rows, columns: columns)
        let path = output.map { $0.hasPrefix("/") ? $0 : FileManager.default.currentDirectoryPath + "/" + $0 }
            ?? project.root + "/logs/report.html"
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try ReportPage.html(data).write(toFile: path, atomically: true, encoding: .utf8)
        let totals = data.totals
        if !self.project.quiet {
            print("Wrote \(path): " + StepCondition.allCases.map { "\(totals[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", "))
        }
    }
}

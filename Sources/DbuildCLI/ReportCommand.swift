import ArgumentParser
import Foundation
import Workspace
import Basics
import Backends

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
    @Option(help: ArgumentHelp("Write it again every SECONDS (10 when left out) until Ctrl-C; the page reloads itself, "
                               + "so a browser with it open shows the campaign live.", valueName: "seconds"))
    var watch: Double?

    func run() throws {
        guard let interval = watch.map({ max(1, $0) }) else {
            try write(refresh: nil)
            return
        }
        Project.sharedQueueMaxAge = interval                 // as status --watch: one squeue per interval between watchers
        let stop = StopSignal()
        stop.installHandlers()
        while true {
            try write(refresh: interval)
            if stop.sleep(until: Date().addingTimeInterval(interval)) { return }
        }
    }

    /// One look: what finished since is ingested (as `status` does), and the page replaced whole
    /// (written beside it, then renamed): a browser never reads half a page.
    private func write(refresh: Double?) throws {
        let project = try Project(options: self.project)
        let known = Set(["rule"] + project.graph.description.rules.flatMap(\.parameterNames))
        for component in [rows, columns].compactMap({ $0 }) where !known.contains(component) {
            throw DbuildFailure.usage("\(component) is not a name component; use rule or one of " + known.sorted().joined(separator: ", "))
        }
        if refresh != nil { _ = try? project.look() }
        let data = try ReportData.gather(project: project, rows: rows, columns: columns)
        let path = output.map { $0.hasPrefix("/") ? $0 : FileManager.default.currentDirectoryPath + "/" + $0 }
            ?? project.root + "/logs/report.html"
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try writeAtomically(Data(ReportPage.html(data, reloadEvery: refresh.map { Int($0.rounded(.up)) }).utf8), to: path)
        let totals = data.totals
        if !self.project.quiet {
            print("Wrote \(path): " + ReportShade.allCases.map { "\(totals[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", "))
        }
    }
}

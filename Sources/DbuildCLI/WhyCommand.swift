import Workspace
import ArgumentParser
import Targets
import Backends

/// `dbuild why X`: the chain of reasons that makes one step run (or the statement that it will not).
struct WhyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "why", abstract: "Explain why a step would run.")

    @OptionGroup var project: ProjectOptions
    @Argument(help: "A step name or an output path.") var target: String

    func run() throws {
        let project = try Project(options: self.project)
        let graph = project.graph
        let (roots, needed) = try project.selectOne(target, for: "`dbuild why` explains one")
        let state = try project.openState(readOnly: true)
        let reasons = try project.scan(try project.scanner(state: state, forced: false), needed: needed)
        var step = roots[0]
        guard reasons[step] != nil else {
            let logs = StepLogs.all(step: graph.name(step), plainPath: project.root + "/" + Builder.logPath(of: step, in: graph),
                                    packsFolder: StepLogs.packsFolder(logsDirectory: project.root + "/logs"))
            print("\(graph.name(step)) is up to date: its outputs exist and nothing it depends on changed."
                  + (logs.isEmpty ? "" : " Its latest log: dbuild log \(graph.name(step))"))
            return
        }
        var indent = ""
        while let reason = reasons[step] {
            let runs = reason.runsOnlyIfInputsChange(graph.rule(of: step)) ? "runs only if what it reads comes out changed" : "will run"
            print("\(indent)\(graph.name(step)) \(runs): \(reason.text(in: graph))")
            guard case .upstream(let upstream) = reason else { break }
            step = Int(upstream)
            indent += "  "
        }
    }
}

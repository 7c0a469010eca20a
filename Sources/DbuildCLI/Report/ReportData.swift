import Foundation
import Workspace
import Targets

/// The state of one step as the report colours it.
/// How the report colours a step: its `StepCondition`, judged by the products.
enum ReportShade: String, CaseIterable {
    case complete, missing, broken, running, failed

    init(_ condition: StepCondition) {
        switch condition {
        case .queued, .running: self = .running
        case .built: self = .complete
        case .failed: self = .failed
        case .missing, .blocked, .stale: self = .missing          // not there: it did not run, or must run again
        case .broken: self = .broken
        }
    }
}

/// Everything the HTML report shows, gathered from the graph, the files and the state store.
struct ReportData {
    var project: String
    var generatedAt: Date
    var ruleGraph: RuleGraph
    var conditions: [ReportShade]                     // per step
    var rowComponent: String
    var columnComponent: String
    var heatmap: [(row: String, cells: [(column: String, counts: [ReportShade: Int])])]
    var runs: [StepRun]
    var failures: [(name: String, message: String, log: String, excerpt: [String])]
    var coreHours: CoreHoursUsed

    var totals: [ReportShade: Int] {
        Dictionary(conditions.map { ($0, 1) }, uniquingKeysWith: +)
    }

    static func gather(project: Project, rows: String?, columns: String?) throws -> ReportData {
        let graph = project.graph
        let state = try project.openState(readOnly: true)
        let scanner = try project.scanner(state: state, forced: false)
        let reasons = try project.scan(scanner, needed: [Bool](repeating: true, count: graph.stepCount))
        let failures = try state.loadFailures()
        // Running: handed to SLURM, or marked running by the local build that holds the project's lock now.
        var inFlight = Set(try state.loadSubmittedSteps().map(\.name))
        if ProjectLock.liveHolder(in: project.dotDbuild) != nil { inFlight.formUnion(try state.loadRunning().keys) }
        var conditions: [ReportShade] = []
        conditions.reserveCapacity(graph.stepCount)
        // Judged by the products, as verify does: a step whose outputs are all present and sound is
        // complete even if it is stale (its upstream will run).
        for step in 0..<graph.stepCount {
            let name = graph.name(step)
            let check = graph.productCheck(of: step)
            let problems = graph.outputs(of: step).compactMap { check.problem(of: $0, in: project.fileSystem) }
            var changed = false
            if case .outputChanged? = reasons[step] { changed = true }
            let missing = problems.contains(.missing)
            conditions.append(ReportShade(StepCondition.of(.init(
                handedOver: inFlight.contains(name), running: inFlight.contains(name), sound: problems.isEmpty && !changed,
                failed: missing && failures[name] != nil, missing: missing, broken: !missing))))
        }
        // Default heatmap axes: the first two parameters of the first rule that has two.
        let withTwo = graph.description.rules.first { $0.parameterNames.count >= 2 }
        let rowName = rows ?? withTwo?.parameterNames[0] ?? graph.description.rules.first?.parameterNames.first ?? "rule"
        let columnName = columns ?? withTwo?.parameterNames[1] ?? "rule"
        var rowOrder: [String] = [], columnOrder: [String] = []
        var cells: [String: [String: [ReportShade: Int]]] = [:]
        for step in 0..<graph.stepCount {
            let rule = graph.rule(of: step)
            let parameters = graph.parameters(of: step)
            func value(_ component: String) -> String? {
                component == "rule" ? rule.name : zip(rule.parameterNames, parameters).first { $0.0 == component }?.1
            }
            guard let r = value(rowName), let c = value(columnName) else { continue }
            if cells[r] == nil { rowOrder.append(r); cells[r] = [:] }
            if !columnOrder.contains(c) { columnOrder.append(c) }
            cells[r]![c, default: [:]][conditions[step], default: 0] += 1
        }
        let heatmap = rowOrder.map { r in (r, columnOrder.map { c in (c, cells[r]![c] ?? [:]) }) }
        let failureList = failures.filter { reasons[graph.step(named: $0.key) ?? 0] != nil }
            .sorted { $0.value.failedAt > $1.value.failedAt }.prefix(20).map { entry -> (String, String, String, [String]) in
                let text = (try? String(contentsOfFile: project.root + "/" + entry.value.logPath, encoding: .utf8)) ?? ""
                return (entry.key, entry.value.message, entry.value.logPath, text.split(separator: "\n").suffix(10).map(String.init))
            }
        return ReportData(project: project.root, generatedAt: Date(), ruleGraph: RuleGraph(graph: graph, stale: reasons.map { $0 != nil }),
                          conditions: conditions, rowComponent: rowName, columnComponent: columnName, heatmap: heatmap,
                          runs: try state.loadLatestBuildRuns(), failures: failureList,
                          coreHours: CoreHoursUsed(state: state, graph: graph, rules: graph.description.rules.map(\.name)))
    }
}

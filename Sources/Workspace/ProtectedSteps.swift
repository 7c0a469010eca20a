import Targets

/// `.protected()` rules: a build whose plan would run one of their steps again (it was built
/// before, or its products are on disk) is refused before anything runs, naming the steps and why
/// each is stale, unless it is given `--rebuild-protected`. A protected step never built is made.
public enum ProtectedSteps {
    public static func refusal(_ plan: Plan, records: [String: StepRecord], statuses: FileStatusCache) -> String? {
        let graph = plan.graph
        guard graph.description.rules.contains(where: \.isProtected) else { return nil }
        let again = plan.steps.filter { step in
            guard graph.rule(of: Int(step)).isProtected else { return false }
            return records[graph.name(Int(step))] != nil || graph.outputIDs(of: Int(step)).contains { statuses.status($0) != nil }
        }
        guard !again.isEmpty else { return nil }
        let named = again.prefix(10).map { "  \(graph.name(Int($0))): \(plan.reason(of: $0)?.text(in: graph) ?? "stale")" }
        return "\(again.count) step\(again.count == 1 ? " of a .protected() rule" : "s of .protected() rules") would run again:\n"
            + named.joined(separator: "\n") + (again.count > 10 ? "\n  … and \(again.count - 10) more" : "")
            + "\nNothing was run. If they must be made again, add --rebuild-protected; otherwise select targets that leave them out."
    }
}

import Targets

/// The text of `dbuild -n`: the plan grouped by rule, each rule with its count and reasons, then each
/// step with its reason. Long rules are shortened unless `listAll`.
public enum PlanReport {
    public static func text(_ plan: Plan, neededCount: Int, listAll: Bool, perRuleLimit: Int = 10) -> String {
        let graph = plan.graph
        if plan.isEmpty {
            return "Nothing to do: all \(neededCount) selected step\(neededCount == 1 ? " is" : "s are") up to date.\n"
        }
        var byRule: [Int: [Int32]] = [:]
        var ruleOrder: [Int] = []
        for step in plan.steps {
            let rule = Int(graph.description.stepRule[Int(step)])
            if byRule[rule] == nil { ruleOrder.append(rule) }
            byRule[rule, default: []].append(step)
        }
        let showAll = listAll || plan.steps.count <= 200
        var out = "Plan: \(plan.steps.count) of \(neededCount) selected steps would run\n"
        let width = ruleOrder.map { graph.description.rules[$0].name.count }.max() ?? 0
        for rule in ruleOrder {
            let steps = byRule[rule]!
            var kinds: [String: Int] = [:]
            var kindOrder: [String] = []
            for s in steps {
                let kind = plan.reason(of: s)!.kind
                if kinds[kind] == nil { kindOrder.append(kind) }
                kinds[kind, default: 0] += 1
            }
            let name = graph.description.rules[rule].name
            let counts = kindOrder.map { "\(kinds[$0]!) \($0)" }.joined(separator: ", ")
            out += "\n" + name.padding(to: width) + "  \(steps.count) step\(steps.count == 1 ? "" : "s") (\(counts))\n"
            let shown = showAll ? steps[...] : steps.prefix(perRuleLimit)
            let nameWidth = shown.map { graph.name(Int($0)).count }.max() ?? 0
            for s in shown {
                out += "  " + graph.name(Int(s)).padding(to: nameWidth) + "  \(plan.reason(of: s)!.text(in: graph))\n"
            }
            if shown.count < steps.count {
                out += "  … and \(steps.count - shown.count) more (-v lists them all)\n"
            }
        }
        return out
    }
}

extension String {
    func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}

import Targets

/// The text of `dbuild -n`: the plan grouped by rule, each rule with its count and reasons, then each
/// step with its reason. Long rules are shortened unless `listAll`.
public enum PlanReport {
    public static func text(_ plan: Plan, neededCount: Int, listAll: Bool, perRuleLimit: Int = 10) -> String {
        let graph = plan.graph
        if plan.isEmpty {
            return "Nothing to do: all \(neededCount) selected step\(neededCount == 1 ? " is" : "s are") up to date.\n"
        }
        // A hash rule's step that runs only because something upstream will run may turn out clean
        // (early cutoff): it is listed apart, as "only if", not counted as certain work.
        let mayRun: (Int32) -> Bool = { step in plan.reason(of: step)?.runsOnlyIfInputsChange(graph.rule(of: Int(step))) ?? false }
        let definite = plan.steps.filter { !mayRun($0) }, conditional = plan.steps.filter(mayRun)
        let showAll = listAll || plan.steps.count <= 200
        var out = "Plan: \(definite.count) of \(neededCount) selected steps would run"
        if !conditional.isEmpty {
            out += "; \(conditional.count) more only if what they read comes out changed (hash rules)"
        }
        out += "\n" + section(definite, plan: plan, showAll: showAll, perRuleLimit: perRuleLimit)
        if !conditional.isEmpty {
            out += "\nOnly if what they read comes out changed:\n"
                + section(conditional, plan: plan, showAll: showAll, perRuleLimit: perRuleLimit)
        }
        if listAll { out += inPlace(plan) }
        return out
    }

    /// `-n -v`: the planned steps whose outputs are written in place, not staged, by rule and why.
    static func inPlace(_ plan: Plan) -> String {
        let graph = plan.graph
        var groups: [String: Int] = [:]
        var order: [String] = []
        for step in plan.steps {
            guard case .inPlace(let why) = graph.staging(of: Int(step)) else { continue }
            let key = graph.rule(of: Int(step)).name + ": " + why
            if groups[key] == nil { order.append(key) }
            groups[key, default: 0] += 1
        }
        guard !order.isEmpty else { return "" }
        return "\nWritten in place, not staged (a failed or stopped attempt removes what it had begun to rewrite):\n"
            + order.map { key -> String in
                let count = groups[key]!
                let colon = key.range(of: ": ")!
                return "  \(key[..<colon.lowerBound]) (\(count) step\(count == 1 ? "" : "s")): \(key[colon.upperBound...])\n"
            }.joined()
    }

    /// Steps grouped by rule: a header with counts per reason, then each step with its reason.
    static func section(_ steps: [Int32], plan: Plan, showAll: Bool, perRuleLimit: Int) -> String {
        let graph = plan.graph
        var byRule: [Int: [Int32]] = [:]
        var ruleOrder: [Int] = []
        for step in steps {
            let rule = Int(graph.description.stepRule[Int(step)])
            if byRule[rule] == nil { ruleOrder.append(rule) }
            byRule[rule, default: []].append(step)
        }
        var out = ""
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

import Rules

/// Counts of one group's expected outputs.
public struct CompletenessCount: Equatable, Sendable {
    public var group: String
    public var complete = 0
    public var missing = 0
    public var broken = 0
    /// Complete, but made without dbuild (no record): reported, not silently trusted.
    public var unrecorded = 0

    public var total: Int { complete + missing + broken }
    public var percent: Double { total == 0 ? 100 : Double(complete) * 100 / Double(total) }
}

/// One "at least N per …" goal, evaluated for one group.
public struct GoalResult: Equatable, Sendable {
    public var rule: String
    public var group: String
    public var count: Int
    public var atLeast: Int
    public var met: Bool { count >= atLeast }
}

/// What `dbuild verify` reports: every declared output of the selected steps checked against its
/// rule's expectations (exists; a regular file; at least `minBytes`; the HDF5 objects it must hold),
/// counted per group, with the missing and broken paths and the count goals.
public struct CompletenessReport {
    public private(set) var tables: [(heading: String, rows: [CompletenessCount])] = []
    public private(set) var missingPaths: [String] = []
    public private(set) var brokenPaths: [(path: String, problem: String)] = []
    public private(set) var unrecordedSteps = 0
    /// Outputs of `.temporary()` steps removed on purpose after use: neither complete nor missing.
    public private(set) var temporaryRemoved = 0
    public private(set) var goals: [GoalResult] = []

    public var isComplete: Bool { missingPaths.isEmpty && brokenPaths.isEmpty && goals.allSatisfy(\.met) }

    /// - Parameters:
    ///   - groupings: each a list of name components ("rule" or a parameter name) to group by; one
    ///     table per grouping.
    ///   - isRecorded: whether dbuild has a record of the step (nil: do not report unrecorded).
    ///   - contentProblem: checks a present output's content (HDF5), returning what is wrong.
    ///   - isRemovedTemporary: a `.temporary()` step whose outputs dbuild removed after use.
    public init(graph: Graph, steps: [Int], fileSystem: FileSystem, groupings: [[String]],
                isRecorded: ((Int) -> Bool)? = nil, contentProblem: ((String, RuleDescription) -> String?)? = nil,
                isRemovedTemporary: ((Int) -> Bool)? = nil) {
        var counts = [[CompletenessCount]](repeating: [], count: groupings.count)
        var indexes = [[String: Int]](repeating: [:], count: groupings.count)
        var goalCounts: [String: [String: Int]] = [:]
        var goalRules: [String] = []
        for step in steps.sorted() {
            let rule = graph.rule(of: step)
            let parameters = graph.parameters(of: step)
            let keys = groupings.map { Self.key(for: $0, rule: rule, parameters: parameters) }
            let recorded = isRecorded?(step) ?? true
            let check = ProductCheck(minimumBytes: rule.minimumOutputBytes, folder: rule.folderExpectation,
                                     content: rule.hdf5Checks.isEmpty ? nil : contentProblem.map { judge in { judge($0, rule) } })
            var stepComplete = true
            var completeOutputs = 0
            if isRemovedTemporary?(step) == true {
                temporaryRemoved += graph.outputs(of: step).count
                continue
            }
            for path in graph.outputs(of: step) {
                let found = check.problem(of: path, in: fileSystem)
                let kind = found == nil ? 0 : found == .missing ? 1 : 2
                let problem = kind == 2 ? found?.text : nil
                for g in groupings.indices {
                    let i = indexes[g][keys[g]] ?? {
                        counts[g].append(CompletenessCount(group: keys[g]))
                        indexes[g][keys[g]] = counts[g].count - 1
                        return counts[g].count - 1
                    }()
                    switch kind {
                    case 0: counts[g][i].complete += 1; if !recorded { counts[g][i].unrecorded += 1 }
                    case 1: counts[g][i].missing += 1
                    default: counts[g][i].broken += 1
                    }
                }
                if kind == 1 { missingPaths.append(path) }
                if let problem { brokenPaths.append((path, problem)) }
                if kind != 0 { stepComplete = false } else { completeOutputs += 1 }
            }
            if stepComplete && !recorded { unrecordedSteps += 1 }
            if let goal = rule.countGoal {
                let group = goal.per.isEmpty ? "all" : zip(rule.parameterNames, parameters).first { $0.0 == goal.per }?.1 ?? "?"
                if goalCounts[rule.name] == nil { goalRules.append(rule.name) }
                goalCounts[rule.name, default: [:]][group, default: 0] += completeOutputs
            }
        }
        tables = zip(groupings, counts).map { (Self.heading($0.0), $0.1) }
        for ruleName in goalRules {
            let rule = graph.description.rules.first { $0.name == ruleName }!
            for (group, count) in goalCounts[ruleName]!.sorted(by: { $0.key < $1.key }) {
                goals.append(GoalResult(rule: ruleName, group: group, count: count, atLeast: rule.countGoal!.atLeast))
            }
        }
    }

    static func key(for components: [String], rule: RuleDescription, parameters: [String]) -> String {
        components.map { component in
            if component == "rule" { return rule.name }
            if component == "first" { return parameters.first.map { rule.name + "/" + $0 } ?? rule.name }
            return zip(rule.parameterNames, parameters).first { $0.0 == component }?.1 ?? "-"
        }.joined(separator: " ")
    }

    static func heading(_ components: [String]) -> String {
        components == ["first"] ? "rule/first parameter" : components.joined(separator: " ")
    }

    /// The tables, the goals, a verdict line, and optionally the paths.
    public func table(listMissing: Bool) -> String {
        var out = tables.filter { $0.rows.count <= 2_000 }.map { Self.render($0.rows, heading: $0.heading) }.joined(separator: "\n")
        if !goals.isEmpty {
            out += "\ngoals\n"
            for g in goals {
                out += "  \(g.met ? "met    " : "NOT MET") \(g.rule): \(g.count) of at least \(g.atLeast)"
                    + (g.group == "all" ? "" : " for \(g.group)") + "\n"
            }
        }
        if unrecordedSteps > 0 {
            out += "\n\(unrecordedSteps) complete step\(unrecordedSteps == 1 ? " was" : "s were") not made by dbuild (unrecorded); "
                + "`dbuild adopt` checks and records them\n"
        }
        let missing = missingPaths.count, broken = brokenPaths.count, unmet = goals.filter { !$0.met }.count
        if temporaryRemoved > 0 {
            out += "\n\(temporaryRemoved) output\(temporaryRemoved == 1 ? "" : "s") of .temporary() steps: temporary, removed after use "
                + "(made again only when a step that reads them must run)\n"
        }
        out += "\n" + (isComplete ? "Complete: every expectation holds.\n"
            : "Incomplete: \(missing) missing, \(broken) broken" + (unmet > 0 ? ", \(unmet) goal\(unmet == 1 ? "" : "s") not met" : "")
                + "." + (listMissing ? "\n" : " (--missing lists them)\n"))
        if listMissing {
            for path in missingPaths { out += "missing  \(path)\n" }
            for (path, problem) in brokenPaths { out += "broken   \(path)  (\(problem))\n" }
        }
        return out
    }

    static func render(_ counts: [CompletenessCount], heading: String) -> String {
        let width = max(heading.count, counts.map(\.group.count).max() ?? 0)
        func pad(_ s: String, _ w: Int, left: Bool = false) -> String {
            let fill = String(repeating: " ", count: max(0, w - s.count))
            return left ? s + fill : fill + s
        }
        var out = pad(heading, width, left: true) + "  complete   missing    broken  unrecorded   percent\n"
        for c in counts {
            // One decimal, never rounded up to 100.0% while something is missing.
            let tenths = c.complete == c.total ? 1000 : min(999, Int((c.percent * 10).rounded()))
            let percent = "\(tenths / 10).\(tenths % 10)%"
            out += pad(c.group, width, left: true) + "  " + pad(String(c.complete), 8) + "  " + pad(String(c.missing), 8)
                + "  " + pad(String(c.broken), 8) + "  " + pad(String(c.unrecorded), 10) + "  " + pad(percent, 8) + "\n"
        }
        return out
    }

    public func json() -> String {
        func counts(_ list: [CompletenessCount]) -> String {
            "[" + list.map { c in
                "{\"group\":\(jsonString(c.group)),\"complete\":\(c.complete),\"missing\":\(c.missing),\"broken\":\(c.broken),\"unrecorded\":\(c.unrecorded)}"
            }.joined(separator: ",") + "]"
        }
        let tableJSON = tables.map { "{\"by\":\(jsonString($0.heading)),\"rows\":\(counts($0.rows))}" }.joined(separator: ",")
        let goalJSON = goals.map {
            "{\"rule\":\(jsonString($0.rule)),\"group\":\(jsonString($0.group)),\"count\":\($0.count),\"at_least\":\($0.atLeast),\"met\":\($0.met)}"
        }.joined(separator: ",")
        return "{\"complete\":\(isComplete),\"tables\":[\(tableJSON)],\"goals\":[\(goalJSON)],\"unrecorded_steps\":\(unrecordedSteps),"
            + "\"temporary_removed\":\(temporaryRemoved),"
            + "\"missing\":[\(missingPaths.map(jsonString).joined(separator: ","))],"
            + "\"broken\":[\(brokenPaths.map { "{\"path\":\(jsonString($0.path)),\"problem\":\(jsonString($0.problem))}" }.joined(separator: ","))]}\n"
    }
}

/// A JSON string literal.
public func jsonString(_ s: String) -> String {
    var out = "\""
    appendJSONEscaped(s, to: &out)
    return out + "\""
}

/// Escapes as JSONEncoder does: quote, backslash and control characters (\b \f \n \r \t by name);
/// everything else as is. Text with none of them is appended whole.
public func appendJSONEscaped(_ text: String, to out: inout String) {
    guard text.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) else {
        out += text
        return
    }
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        case _ where scalar.value < 0x20:
            let hex = String(scalar.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(scalar)
        }
    }
}

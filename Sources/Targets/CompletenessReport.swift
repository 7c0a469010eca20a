/// Counts of one group's expected outputs.
public struct CompletenessCount: Equatable, Sendable {
    public var group: String
    public var complete = 0
    public var missing = 0
    public var broken = 0

    public var total: Int { complete + missing + broken }
    public var percent: Double { total == 0 ? 100 : Double(complete) * 100 / Double(total) }
}

/// What `dbuild verify` reports: every declared output of the selected steps checked against the
/// rule's expectations (exists; a regular file; at least `minBytes`), counted per rule and per rule
/// and first parameter (`LP/model7`), with the missing and broken paths.
public struct CompletenessReport {
    public private(set) var byRule: [CompletenessCount] = []
    public private(set) var byFirstParameter: [CompletenessCount] = []
    public private(set) var missingPaths: [String] = []
    public private(set) var brokenPaths: [(path: String, problem: String)] = []

    public var isComplete: Bool { missingPaths.isEmpty && brokenPaths.isEmpty }

    public init(graph: Graph, steps: [Int], fileSystem: FileSystem) {
        var ruleIndex: [String: Int] = [:]
        var groupIndex: [String: Int] = [:]
        for step in steps.sorted() {
            let rule = graph.rule(of: step)
            let group = graph.parameters(of: step).first.map { rule.name + "/" + $0 }
            for path in graph.outputs(of: step) {
                let verdict: (kind: Int, problem: String?)
                if let status = fileSystem.status(path) {
                    if !status.isRegularFile {
                        verdict = (2, "not a regular file")
                    } else if status.size < rule.minimumOutputBytes {
                        verdict = (2, "\(status.size) bytes, expected at least \(rule.minimumOutputBytes)")
                    } else {
                        verdict = (0, nil)
                    }
                } else {
                    verdict = (1, nil)
                }
                Self.count(verdict.kind, in: &byRule, at: &ruleIndex, group: rule.name)
                if let group { Self.count(verdict.kind, in: &byFirstParameter, at: &groupIndex, group: group) }
                if verdict.kind == 1 { missingPaths.append(path) }
                if verdict.kind == 2 { brokenPaths.append((path, verdict.problem!)) }
            }
        }
    }

    private static func count(_ kind: Int, in counts: inout [CompletenessCount], at index: inout [String: Int], group: String) {
        let i = index[group] ?? {
            counts.append(CompletenessCount(group: group))
            index[group] = counts.count - 1
            return counts.count - 1
        }()
        switch kind {
        case 0: counts[i].complete += 1
        case 1: counts[i].missing += 1
        default: counts[i].broken += 1
        }
    }

    /// Two tables (by rule; by rule and first parameter), a verdict line, and optionally the paths.
    public func table(listMissing: Bool) -> String {
        var out = Self.render(byRule, heading: "rule")
        if !byFirstParameter.isEmpty && byFirstParameter.count <= 2_000 {
            out += "\n" + Self.render(byFirstParameter, heading: "rule/first parameter")
        }
        let missing = missingPaths.count, broken = brokenPaths.count
        out += "\n" + (isComplete ? "Complete: every expected product is present.\n"
            : "Incomplete: \(missing) missing, \(broken) broken." + (listMissing ? "\n" : " (--missing lists them)\n"))
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
        var out = pad(heading, width, left: true) + "  complete   missing    broken   percent\n"
        for c in counts {
            // One decimal, never rounded up to 100.0% while something is missing.
            let tenths = c.complete == c.total ? 1000 : min(999, Int((c.percent * 10).rounded()))
            let percent = "\(tenths / 10).\(tenths % 10)%"
            out += pad(c.group, width, left: true) + "  " + pad(String(c.complete), 8) + "  " + pad(String(c.missing), 8)
                + "  " + pad(String(c.broken), 8) + "  " + pad(percent, 8) + "\n"
        }
        return out
    }

    public func json() -> String {
        func counts(_ list: [CompletenessCount]) -> String {
            "[" + list.map { c in
                "{\"group\":\(jsonString(c.group)),\"complete\":\(c.complete),\"missing\":\(c.missing),\"broken\":\(c.broken)}"
            }.joined(separator: ",") + "]"
        }
        return "{\"complete\":\(isComplete),\"by_rule\":\(counts(byRule)),\"by_first_parameter\":\(counts(byFirstParameter)),"
            + "\"missing\":[\(missingPaths.map(jsonString).joined(separator: ","))],"
            + "\"broken\":[\(brokenPaths.map { "{\"path\":\(jsonString($0.path)),\"problem\":\(jsonString($0.problem))}" }.joined(separator: ","))]}\n"
    }
}

/// A JSON string literal.
public func jsonString(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        default:
            if scalar.value < 0x20 {
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}

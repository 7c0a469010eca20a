/// Fills a recipe's placeholders for one step: `{input}` / `{output}` / `{tool}` (the first),
/// `{inputs}` / `{outputs}` / `{tools}` (all, space-separated), `{name}`, `{rule}` and `{<parameter>}`. Every value is
/// shell-quoted when it needs to be. Unknown `{...}` is left as written, so awk and shell braces work.
public enum RecipeText {
    public static func expand(step: Int, in graph: Graph) -> String {
        let rule = graph.rule(of: step)
        let all = graph.inputs(of: step)
        let toolCount = Int(graph.description.toolCounts[step])
        let inputs = all.dropLast(toolCount), tools = all.suffix(toolCount)
        var values: [String: String] = [
            "name": quote(graph.name(step)),
            "rule": quote(rule.name),
            "inputs": inputs.map(quote).joined(separator: " "),
            "outputs": graph.outputs(of: step).map(quote).joined(separator: " "),
            "tools": tools.map(quote).joined(separator: " "),
            "input": inputs.first.map(quote) ?? "",
            "output": graph.outputs(of: step).first.map(quote) ?? "",
            "tool": tools.first.map(quote) ?? "",
        ]
        for (key, value) in zip(rule.parameterNames, graph.parameters(of: step)) { values[key] = quote(value) }
        return substitute(graph.recipe(of: step), values)
    }

    /// The template with every placeholder filled by a plain word: what `sh -n` can check for syntax
    /// once per rule, before any step runs.
    public static func sample(_ template: String, parameterNames: [String]) -> String {
        let keys = ["name", "rule", "inputs", "outputs", "tools", "input", "output", "tool"] + parameterNames
        return substitute(template, Dictionary(keys.map { ($0, "word") }, uniquingKeysWith: { a, _ in a }))
    }

    static func substitute(_ template: String, _ values: [String: String]) -> String {
        guard template.contains("{") else { return template }
        var result = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            result += rest[..<open]
            let afterOpen = rest.index(after: open)
            if let close = rest[afterOpen...].firstIndex(of: "}"), let value = values[String(rest[afterOpen..<close])] {
                result += value
                rest = rest[rest.index(after: close)...]
            } else {
                result += "{"
                rest = rest[afterOpen...]
            }
        }
        return result + rest
    }

    /// Single-quotes a word for /bin/sh unless it is made only of characters that need no quoting.
    public static func quote(_ word: String) -> String {
        let safe = word.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)
                || c == 0x2f || c == 0x2e || c == 0x5f || c == 0x2d || c == 0x2b || c == 0x3a || c == 0x3d || c == 0x2c
        }
        if safe && !word.isEmpty { return word }
        return "'" + word.replacingAll("'", with: "'\\''") + "'"
    }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}

import Rules
/// Fills a recipe's placeholders for one step: `{input}` / `{output}` / `{tool}` (the first),
/// `{inputs}` / `{outputs}` / `{tools}` (all, space-separated), `{name}`, `{rule}` and `{<parameter>}`. Every value is
/// shell-quoted when it needs to be. Unknown `{...}` is left as written, so awk and shell braces work.
public enum RecipeText {
    /// - Parameter writtenTo: where the recipe writes each output, when not to the product itself
    ///   (its staged path, see `Staging`).
    public static func expand(step: Int, in graph: Graph, writtenTo: [String]? = nil) -> String {
        let template = graph.recipe(of: step)
        guard template.contains("{") else { return template }
        // Only the placeholders the recipe uses are computed: a 10^6-step plan expands every recipe.
        let rule = graph.rule(of: step)
        let toolCount = Int(graph.description.toolCounts[step])
        // Paths under a named root become paths on disk: read where found, written to the first location.
        let roots = graph.roots
        func read(_ path: String) -> String { shell(roots.isEmpty ? path : roots.existing(path) ?? path) }
        // A tool is run: one at the project's top (`work.sh`) would be looked up on PATH, so it is `./work.sh`.
        func runnable(_ path: String) -> String {
            let disk = roots.isEmpty ? path : roots.existing(path) ?? path
            return shell(disk.contains("/") ? disk : "./" + disk)
        }
        func written(_ path: String) -> String { shell(roots.isEmpty ? path : roots.writable(path) ?? path) }
        func inputs() -> ArraySlice<String> { graph.inputs(of: step).dropLast(toolCount) }
        func tools() -> ArraySlice<String> { graph.inputs(of: step).suffix(toolCount) }
        return substitute(template) { key in
            switch key {
            case "name": return quote(graph.name(step))
            case "rule": return quote(rule.name)
            case "inputs": return inputs().map(read).joined(separator: " ")
            case "outputs": return writtenTo.map { $0.map(shell) }?.joined(separator: " ") ?? graph.outputs(of: step).map(written).joined(separator: " ")
            case "tools": return tools().map(runnable).joined(separator: " ")
            case "input": return inputs().first.map(read) ?? ""
            case "output": return writtenTo.map { $0.first.map(shell) ?? "" } ?? graph.outputs(of: step).first.map(written) ?? ""
            case "tool": return tools().first.map(runnable) ?? ""
            default:
                guard let i = rule.parameterNames.firstIndex(where: { $0 == key }) else { return nil }
                return quote(graph.parameters(of: step)[i])
            }
        }
    }

    /// The template with every placeholder filled by a plain word: what `sh -n` can check for syntax
    /// once per rule, before any step runs.
    public static func sample(_ template: String, parameterNames: [String]) -> String {
        let keys = ["name", "rule", "inputs", "outputs", "tools", "input", "output", "tool"] + parameterNames
        return substitute(template, Dictionary(keys.map { ($0, "word") }, uniquingKeysWith: { a, _ in a }))
    }

    static func substitute(_ template: String, _ values: [String: String]) -> String {
        substitute(template) { values[String($0)] }
    }

    static func substitute(_ template: String, _ value: (Substring) -> String?) -> String {
        // Scans bytes, not Characters: `{` and `}` are ASCII, and a 10^6-step plan expands every recipe.
        let bytes = Array(template.utf8)
        guard let first = bytes.firstIndex(of: UInt8(ascii: "{")) else { return template }
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count + 64)
        result.append(contentsOf: bytes[..<first])
        var i = first
        while i < bytes.count {
            let byte = bytes[i]
            if byte == UInt8(ascii: "{"), let literal = escapedWord(bytes, at: i) {
                result.append(contentsOf: literal)                     // {{word}} → {word}
                i += literal.count + 2
            } else if byte == UInt8(ascii: "{"), let close = bytes[(i + 1)...].firstIndex(of: UInt8(ascii: "}")),
               let filled = value(Substring(decoding: bytes[(i + 1)..<close], as: UTF8.self)) {
                result.append(contentsOf: filled.utf8)
                i = close + 1
            } else {
                result.append(byte)
                i += 1
            }
        }
        return String(decoding: result, as: UTF8.self)
    }

    /// At `{{word}}` (an identifier in doubled braces): the bytes of `{word}`, written literally.
    static func escapedWord(_ bytes: [UInt8], at i: Int) -> ArraySlice<UInt8>? {
        guard i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "{") else { return nil }
        var j = i + 2
        while j < bytes.count, isIdentifierByte(bytes[j], first: j == i + 2) { j += 1 }
        guard j > i + 2, j + 1 < bytes.count, bytes[j] == UInt8(ascii: "}"), bytes[j + 1] == UInt8(ascii: "}") else { return nil }
        return bytes[(i + 1)...j]
    }

    static func isIdentifierByte(_ c: UInt8, first: Bool) -> Bool {
        (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x5f || (!first && c >= 0x30 && c <= 0x39)
    }

    static let placeholders = ["name", "rule", "inputs", "outputs", "tools", "input", "output", "tool"]

    /// `{word}`s of a recipe that dbuild would leave as written though they look meant for it: a
    /// plain identifier that is neither a placeholder nor one of the rule's parameters, outside
    /// single quotes (awk's `'{print}'`) and not after `$` (the shell's `${x}`). Each comes with the
    /// nearest placeholder or parameter, when one is close.
    public static func unknownPlaceholders(_ template: String, parameterNames: [String]) -> [(word: String, suggestion: String?)] {
        let bytes = Array(template.utf8)
        let known = Set(placeholders + parameterNames)
        var found: [(String, String?)] = []
        var quoted = false
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "'") { quoted.toggle() }
            if c == UInt8(ascii: "{"), !quoted {
                if let literal = escapedWord(bytes, at: i) {
                    i += literal.count + 2
                    continue
                }
                var j = i + 1
                while j < bytes.count, isIdentifierByte(bytes[j], first: j == i + 1) { j += 1 }
                let afterDollar = i > 0 && bytes[i - 1] == UInt8(ascii: "$")
                if j > i + 1, j < bytes.count, bytes[j] == UInt8(ascii: "}"), !afterDollar {
                    let word = String(decoding: bytes[(i + 1)..<j], as: UTF8.self)
                    if !known.contains(word) {
                        let nearest = known.map { ($0, Selection.editDistance($0, word)) }.min { ($0.1, $0.0) < ($1.1, $1.0) }
                        found.append((word, nearest.flatMap { $0.1 <= max(2, word.count / 3) ? $0.0 : nil }))
                    }
                }
            }
            i += 1
        }
        return found
    }

    /// A path as a recipe gets it: quoted, and a folder product's without its trailing "/".
    static func shell(_ path: String) -> String {
        quote(isFolderPath(path) ? String(path.dropLast()) : path)
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

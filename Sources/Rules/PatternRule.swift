/// A rule declared with path patterns instead of a closure:
///
///     Rule("mock", over: ["r": 0..<50_000, "s": 0..<20],
///          outputs: ["catalogs/r{r}/mock_s{s}.h5"], recipe: "mock --seed {r} {output}")
///
/// `{r}` in a path stands for the step's value of parameter r. The steps are exactly those of the
/// closure `{ s in s.outputs = ["catalogs/r\(s.r)/mock_s\(s.s).h5"]; s.recipe = "…" }` (same names,
/// paths and recipe text, so switching forms runs nothing), but the rule travels to dbuild as its
/// grid and patterns (PatternBlock.swift), expanded when dbuild reads the graph: no closure call,
/// no `Step` and no path per step in the evaluator — at 10^6 steps most of what evaluating the
/// Datafile cost.
extension Rule {
    @discardableResult
    public convenience init(_ name: String, over grid: KeyValuePairs<String, any ParameterValues> = [:],
                            inputs: [String] = [], tools: [String] = [], outputs: [String], recipe: String,
                            file: String = #filePath, line: Int = #line) {
        let here = Declaration(file: file, line: line)
        let names = grid.map(\.key)
        func parse(_ templates: [String], _ what: String) -> [PathPattern] {
            templates.map { PathPattern($0, parameterNames: names, rule: name, what: what, here) }
        }
        let patterns = RulePatterns(inputs: parse(inputs, "input"), tools: parse(tools, "tool"),
                                    outputs: parse(outputs, "output"), recipe: recipe)
        // The closure the builder falls back on when a path needs normalizing (see `canTravelAsPatterns`).
        self.init(name, grid: grid.map { ($0.key, $0.value.parameterValues) }, file: file, line: line, patterns: patterns) { s in
            s.inputs = patterns.inputs.map { $0.expanded(with: s.parameterValues) }
            s.tools = patterns.tools.map { $0.expanded(with: s.parameterValues) }
            s.outputs = patterns.outputs.map { $0.expanded(with: s.parameterValues) }
            s.recipe = patterns.recipe
        }
    }
}

struct RulePatterns {
    let inputs: [PathPattern]
    let tools: [PathPattern]
    let outputs: [PathPattern]
    let recipe: String

    /// Every path this rule makes is already canonical, so dbuild may expand the patterns without
    /// `normalizedPath`: each pattern is canonical with a plain word in place of its parameters, and
    /// no value used is made of dots only (values never hold "/", so no other value can make a "."
    /// or ".." part).
    func canTravelAsPatterns(grid: [(name: String, values: [String])]) -> Bool {
        let all = inputs + tools + outputs
        guard !outputs.isEmpty, !recipe.isEmpty,        // else the closure's per-step checks report it
              all.allSatisfy({ normalizedPath($0.withPlaceholdersAs("x")) == $0.withPlaceholdersAs("x") }) else { return false }
        let used = Set(all.flatMap(\.parameters))
        return used.allSatisfy { index in grid[index].values.allSatisfy { value in value.utf8.contains { $0 != UInt8(ascii: ".") } } }
    }
}

/// One path with `{parameter}` placeholders, split once into literal text and parameter positions.
struct PathPattern {
    enum Piece {
        case text(String)
        case parameter(Int)
    }
    let pieces: [Piece]

    /// A `{word}` whose word is no parameter of the rule is refused (a typo would otherwise name a
    /// file with braces in it); braces around anything else are kept as written.
    init(_ template: String, parameterNames: [String], rule: String, what: String, _ here: Declaration) {
        var pieces: [Piece] = []
        var text = Substring()
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            let afterOpen = rest.index(after: open)
            guard let close = rest[afterOpen...].firstIndex(of: "}"),
                  rest[afterOpen..<close].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }),
                  afterOpen < close else {
                text += rest[...open]
                rest = rest[afterOpen...]
                continue
            }
            let word = String(rest[afterOpen..<close])
            guard let index = parameterNames.firstIndex(of: word) else {
                let known = parameterNames.isEmpty ? "it has none" : "it has " + parameterNames.joined(separator: ", ")
                here.fail("rule \(rule): the \(what) pattern \"\(template)\" names {\(word)}, which is not a parameter of the rule (\(known)); use one of those names")
            }
            text += rest[..<open]
            if !text.isEmpty { pieces.append(.text(String(text))); text = "" }
            pieces.append(.parameter(index))
            rest = rest[rest.index(after: close)...]
        }
        text += rest
        if !text.isEmpty { pieces.append(.text(String(text))) }
        self.pieces = pieces
    }

    var parameters: [Int] {
        pieces.compactMap { if case .parameter(let index) = $0 { return index } else { return nil } }
    }

    func expanded(with values: [String]) -> String {
        var path = ""
        for piece in pieces {
            switch piece {
            case .text(let text): path += text
            case .parameter(let index): path += values[index]
            }
        }
        return path
    }

    func withPlaceholdersAs(_ word: String) -> String {
        expanded(with: Array(repeating: word, count: (parameters.max() ?? -1) + 1))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Collects the rules a Datafile declares and expands them, in declaration order, into a
/// `GraphDescription`. Lives only inside the evaluator process.
final class DatafileBuilder {
    nonisolated(unsafe) static let shared = DatafileBuilder()

    private var rules: [Rule] = []
    var defaultBackend = "local"
    var onFinish: String?
    private var roots: [RootDescription] = []
    var presenceOnly: Set<String> = []
    /// Paths declared with `dir`: folder products (a trailing "/" written by hand is refused).
    var folders: Set<String> = []
    private var graph = GraphDescription()
    private var interned: [String: UInt32] = [:]
    /// Per expanded rule: name → its steps, and every "/"-prefix of a name → steps under it. Built on
    /// first reference only, since most rules are never referenced by name.
    private var ruleIndex: [String: Int] = [:]
    private var ruleSteps: [Range<Int>] = []
    private var nameIndex: [Int: [String: [Int]]] = [:]

    func declare(_ rule: Rule) {
        let name = rule.description.name
        if name.isEmpty || name.contains("/") || name.contains(" ") || name == "all" {
            rule.declaration.fail("rule name \"\(name)\" is not usable; a rule name is one word without '/' or spaces, and not 'all'")
        }
        if let earlier = rules.first(where: { $0.description.name == name }) {
            rule.declaration.fail("rule \(name) is declared twice (first at line \(earlier.declaration.line)); give each rule its own name")
        }
        for (key, values) in rule.grid {
            // No values: the rule has no steps (yet) — a list read from data may be empty, or not made yet.
            if key.isEmpty || ["inputs", "outputs", "recipe", "name", "rule", "input", "output", "tools", "tool"].contains(key) {
                rule.declaration.fail("rule \(name): '\(key)' cannot be a parameter name; choose another")
            }
            for v in values where v.isEmpty || v.contains("/") {
                rule.declaration.fail("rule \(name): parameter '\(key)' has value \"\(v)\"; a value must be non-empty and contain no '/'")
            }
        }
        let combinations = rule.grid.reduce(1) { $0.multipliedReportingOverflow(by: $1.values.count).partialValue }
        if combinations > 50_000_000 || combinations < 0 {
            rule.declaration.fail("rule \(name) expands to \(combinations) steps; dbuild handles up to 50,000,000 — split the grid")
        }
        ruleIndex[name] = rules.count
        rules.append(rule)
    }

    func declareRoot(_ root: RootDescription, _ here: Declaration) {
        if let earlier = roots.first(where: { $0.name == root.name }) {
            here.fail("root \(root.name) is declared twice (first at line \(earlier.line)); give each root its own name")
        }
        roots.append(root)
    }

    private func intern(_ s: String) -> UInt32 {
        if let id = interned[s] { return id }
        let id = UInt32(graph.strings.count)
        graph.strings.append(s)
        interned[s] = id
        return id
    }

    /// Expands every rule and returns the graph. Called once, after the Datafile's top-level code ran.
    func build() -> GraphDescription {
        // About one path per step: grown once instead of by doubling (each doubling rehashes every path).
        let steps = rules.reduce(0) { total, rule in
            total + min(50_000_000, rule.grid.reduce(1) { $0.multipliedReportingOverflow(by: $1.values.count).partialValue })
        }
        interned.reserveCapacity(min(steps + 1_000, 50_000_000))
        for (index, rule) in rules.enumerated() {
            _ = intern(rule.description.name)
            rule.description.parameterNames.forEach { _ = intern($0) }
            let r = rule.description.resources
            [r.partition, r.account, r.qos, r.constraint].compactMap { $0 }.forEach { _ = intern($0) }
            r.extraFlags.forEach { _ = intern($0) }
            graph.rules.append(rule.description)
            let first = graph.stepCount
            expand(rule, ruleNumber: UInt32(index))
            ruleSteps.append(first..<graph.stepCount)
        }
        graph.defaultBackend = defaultBackend
        graph.onFinish = onFinish
        graph.roots = roots
        graph.presenceOnly = presenceOnly.sorted()
        return graph
    }

    private func expand(_ rule: Rule, ruleNumber: UInt32) {
        if rule.grid.contains(where: { $0.values.isEmpty }) { return }        // no combination: no steps
        if let patterns = rule.patterns, patterns.canTravelAsPatterns(grid: rule.grid) {
            return deferPatterns(rule, patterns, ruleNumber: ruleNumber)
        }
        let names = rule.grid.map(\.name)
        // Each grid value interned once, not once per step that has it.
        let valueIDs = rule.grid.map { $0.values.map(intern) }
        var grid = GridOdometer(rule.grid)
        repeat {
            let step = Step(rule: rule.description.name, parameterNames: names, parameterValues: grid.values,
                            declaration: rule.declaration)
            rule.body(step)
            if !step.isSkipped {
                for (position, index) in grid.counters.enumerated() { graph.parameterIDs.append(valueIDs[position][index]) }
                append(step, ruleNumber: ruleNumber)
            }
        } while grid.advance()
    }

    /// A pattern rule travels as its patterns and grid: dbuild expands it when decoding.
    private func deferPatterns(_ rule: Rule, _ patterns: RulePatterns, ruleNumber: UInt32) {
        func ids(_ pattern: PathPattern) -> [UInt32] {
            pattern.pieces.map {
                switch $0 {
                case .text(let text): intern(text)
                case .parameter(let index): PatternBlock.parameterFlag | UInt32(index)
                }
            }
        }
        patternRules[Int(ruleNumber)] = (graph.patternBlocks.count, patterns)
        graph.patternBlocks.append(PatternBlock(
            rule: ruleNumber, position: graph.stepCount, values: rule.grid.map { $0.values.map(intern) },
            inputs: (patterns.inputs + patterns.tools).map(ids), toolCount: patterns.tools.count,
            outputs: patterns.outputs.map(ids), recipe: intern(patterns.recipe)))
    }

    private func append(_ step: Step, ruleNumber: UInt32) {
        if step.outputs.isEmpty {
            step.declaration.fail("step \(step.name) declares no outputs; set s.outputs to the files its recipe writes")
        }
        if step.recipe.isEmpty {
            step.declaration.fail("step \(step.name) has no recipe; set s.recipe to the shell command that makes its outputs")
        }
        // (Three loops, not one over the concatenation: that would copy every path of every step.)
        for paths in [step.inputs, step.tools, step.outputs] where paths.contains(where: \.isEmpty) {
            step.declaration.fail("step \(step.name) has an empty path among its inputs or outputs; remove it")
        }
        for path in step.outputs where path.hasSuffix("/") && !folders.contains(normalizedPath(path)) {
            step.declaration.fail("step \(step.name) declares the output \"\(path)\", a folder: declare a folder product "
                + "with dir(\"\(path.dropLast())\") (its whole tree is the product), or the files its recipe writes in it")
        }
        graph.stepRule.append(ruleNumber)
        graph.parameterStart.append(UInt32(graph.parameterIDs.count))     // the ids: appended by expand
        if let reference = lastReference, sameStorage(step.inputs, reference.paths) {
            graph.inputIDs.append(contentsOf: reference.ids)     // s.inputs = s.outputs(of: …): already interned
        } else if let reference = lastPatternReference, sameStorage(step.inputs, reference.paths) {
            graph.inputIDs.append(patternOutputsReference + UInt32(reference.block))   // expanded by decode
        } else {
            for p in step.inputs { graph.inputIDs.append(intern(normalizedPath(p))) }
        }
        for p in step.tools { graph.inputIDs.append(intern(normalizedPath(p))) }
        graph.inputStart.append(UInt32(graph.inputIDs.count))
        for p in step.outputs { graph.outputIDs.append(intern(normalizedPath(p))) }
        graph.outputStart.append(UInt32(graph.outputIDs.count))
        // Most steps of a rule share one recipe text (its placeholders are filled in later).
        if let last = lastRecipe, last.text == step.recipe {
            graph.recipeIDs.append(last.id)
        } else {
            let id = intern(step.recipe)
            lastRecipe = (step.recipe, id)
            graph.recipeIDs.append(id)
        }
        graph.toolCounts.append(UInt32(step.tools.count))
    }

    func outputs(of selection: String, referencedFrom step: Step, at place: Declaration) -> [String] {
        let ruleName = String(selection.split(separator: "/", maxSplits: 1).first ?? "")
        guard let rule = ruleIndex[ruleName], rule < ruleSteps.count else {
            let near = nearest(to: ruleName, among: ruleIndex.keys.filter { ruleIndex[$0]! < ruleSteps.count })
            place.fail("step \(step.name) refers to \"\(selection)\", but no rule \(ruleName) is declared above it; "
                + (near.isEmpty ? "declare that rule first" : "did you mean " + near.map { "\"\($0)\"" }.joined(separator: " or ")
                   + "? (or declare rule \(ruleName) first)"))
        }
        if let (block, patterns) = patternRules[rule] {
            let paths = patternOutputs(of: selection, rule: rules[rule], patterns, referencedFrom: step)
            if selection == ruleName { lastPatternReference = (paths, block) }
            return paths
        }
        let ids: [UInt32]
        if selection == ruleName {              // the whole rule: no index of every name prefix needed
            ids = ruleSteps[rule].flatMap { graph.outputs(ofStep: $0) }
        } else {
            if nameIndex[rule] == nil { nameIndex[rule] = buildNameIndex(rule) }
            guard let steps = nameIndex[rule]![selection] else {
                place.fail("step \(step.name) refers to \"\(selection)\", which names no step of rule \(ruleName) and no prefix of one")
            }
            ids = steps.flatMap { graph.outputs(ofStep: $0) }
        }
        let paths = ids.map { graph.strings[Int($0)] }
        lastReference = (paths, ids)
        return paths
    }

    /// The last `outputs(of:)` answer with its string ids: a step whose inputs are that very array
    /// (the usual `s.inputs = s.outputs(of: …)`) is appended without interning its paths again — a
    /// fan-in over 10^6 outputs would look each one up. Holding the array keeps its storage from
    /// being reused by another.
    private var lastReference: (paths: [String], ids: [UInt32])?
    private var lastRecipe: (text: String, id: UInt32)?
    /// The same for a pattern rule's outputs: the step takes them as one reference in the wire format.
    private var lastPatternReference: (paths: [String], block: Int)?
    /// Rules whose steps are deferred to dbuild's decode: rule number → (pattern block, patterns).
    private var patternRules: [Int: (block: Int, patterns: RulePatterns)] = [:]

    /// The outputs of a pattern rule's steps named by `selection` (the rule, or a prefix of step
    /// names: `mock/3` is every step whose first parameter is 3), in step order.
    private func patternOutputs(of selection: String, rule: Rule, _ patterns: RulePatterns, referencedFrom step: Step) -> [String] {
        let named = selection.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        // The grid with each named parameter narrowed to its named value.
        var narrowed = rule.grid
        for (position, value) in named.enumerated() where position < narrowed.count {
            narrowed[position].values = narrowed[position].values.filter { $0 == value }
        }
        if named.count > narrowed.count || narrowed.contains(where: \.values.isEmpty) {
            step.declaration.fail("step \(step.name) refers to \"\(selection)\", which names no step of rule \(rule.description.name) and no prefix of one")
        }
        var paths: [String] = []
        var grid = GridOdometer(narrowed)
        repeat {
            for pattern in patterns.outputs { paths.append(pattern.expanded(with: grid.values)) }
        } while grid.advance()
        return paths
    }

    private func sameStorage(_ a: [String], _ b: [String]) -> Bool {
        a.count == b.count && a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in x.baseAddress == y.baseAddress } }
    }

    private func buildNameIndex(_ rule: Int) -> [String: [Int]] {
        var index: [String: [Int]] = [:]
        for step in ruleSteps[rule] {
            var prefix = graph.rules[rule].name
            index[prefix, default: []].append(step)
            for id in graph.parameters(ofStep: step) {
                prefix += "/" + graph.strings[Int(id)]
                index[prefix, default: []].append(step)
            }
        }
        return index
    }
}

/// Every combination of a rule's grid in order, the last parameter fastest.
struct GridOdometer {
    private let grid: [(name: String, values: [String])]
    private(set) var counters: [Int]
    private(set) var values: [String]

    init(_ grid: [(name: String, values: [String])]) {
        self.grid = grid
        counters = [Int](repeating: 0, count: grid.count)
        values = grid.map { $0.values[0] }
    }

    /// Moves to the next combination; false after the last.
    mutating func advance() -> Bool {
        var position = grid.count - 1
        while position >= 0 {
            counters[position] += 1
            if counters[position] < grid[position].values.count {
                values[position] = grid[position].values[counters[position]]
                return true
            }
            counters[position] = 0
            values[position] = grid[position].values[0]
            position -= 1
        }
        return false
    }
}

/// Exit status of an evaluator that found a mistake in the Datafile (as opposed to crashing).
public let datafileErrorExitStatus: Int32 = 65

func reportDatafileError(_ message: String) -> Never {
    let text = Array((message + "\n").utf8)
    _ = text.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count) }
    exit(datafileErrorExitStatus)
}

/// Called by the evaluator's generated epilogue: expands the declared rules and writes the graph.
public func _writeDatafileGraph(to path: String) {
    let graph = DatafileBuilder.shared.build()
    guard let file = fopen(path, "wb") else { reportDatafileError("dbuild evaluator: cannot write \(path)") }
    var failed = false
    graph.encode { piece in
        let written = piece.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, file) }
        if written != piece.count { failed = true }
    }
    if failed || fclose(file) != 0 { reportDatafileError("dbuild evaluator: short write to \(path)") }
}

/// For tests of the DSL: expands what has been declared so far without a file.
public func _currentDatafileGraph() -> GraphDescription {
    DatafileBuilder.shared.build()
}

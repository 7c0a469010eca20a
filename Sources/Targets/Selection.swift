import Rules

/// Turns command-line targets into steps: `all`, an exact step name, a name prefix (`LP/model7` is
/// every step under it), or an output path. Unknown names get near-miss suggestions.
public enum Selection {
    public static func resolve(_ targets: [String], in graph: Graph) throws -> [Int] {
        if targets.isEmpty || targets.contains("all") { return Array(0..<graph.stepCount) }
        var chosen: [Int] = []
        var seen = Set<Int>()
        for target in targets {
            let steps = try match(target, in: graph)
            for s in steps where seen.insert(s).inserted { chosen.append(s) }
        }
        return chosen
    }

    static func match(_ rawTarget: String, in graph: Graph) throws -> [Int] {
        var target = rawTarget
        while target.count > 1 && target.hasSuffix("/") { target.removeLast() }
        if let step = graph.step(named: target) { return [step] }
        let prefix = target + "/"
        let under = graph.names.indices.filter { graph.names[$0].hasPrefix(prefix) }
        if !under.isEmpty { return under }
        for path in [normalizedPath(target), normalizedPath(target) + "/"] {      // a file, or a folder product
            if let id = graph.pathID(path), graph.producer[Int(id)] >= 0 { return [Int(graph.producer[Int(id)])] }
        }
        throw GraphError.unknownTarget(name: rawTarget, suggestions: suggestions(for: target, in: graph))
    }

    /// Steps the chosen ones need, transitively, as a mask over all steps.
    public static func closure(of roots: [Int], in graph: Graph) -> [Bool] {
        var needed = [Bool](repeating: false, count: graph.stepCount)
        var stack = roots
        for r in roots { needed[r] = true }
        while let step = stack.popLast() {
            for dep in graph.dependencies(of: step) where !needed[Int(dep)] {
                needed[Int(dep)] = true
                stack.append(Int(dep))
            }
        }
        return needed
    }

    /// Up to three rule names or name prefixes within a small edit distance.
    static func suggestions(for target: String, in graph: Graph) -> [String] {
        let depth = target.split(separator: "/").count
        var candidates = Set(graph.description.rules.map(\.name))
        if depth > 1 {
            for name in graph.names {
                candidates.insert(name.split(separator: "/").prefix(depth).joined(separator: "/"))
                if candidates.count > 200_000 { break }
            }
        }
        let limit = max(2, target.count / 3)
        let scored = candidates.map { ($0, editDistance($0, target)) }.filter { $0.1 <= limit }
        guard let best = scored.map(\.1).min() else { return [] }
        return scored.filter { $0.1 == best }.map(\.0).sorted().prefix(3).map { $0 }
    }

    /// Edits (insert, delete, substitute, swap two neighbours) that turn one name into the other.
    public static func editDistance(_ a: String, _ b: String) -> Int { Rules.editDistance(a, b) }
}

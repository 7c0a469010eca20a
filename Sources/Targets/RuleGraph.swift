/// The rule-level picture of a graph: rules with their step counts, and how each rule feeds the next.
public struct RuleGraph: Equatable, Sendable {
    public enum Shape: String, Sendable {
        case oneToOne = "one-to-one", fanIn = "fan-in", fanOut = "fan-out", manyToMany = "many-to-many"
    }

    public struct Node: Equatable, Sendable {
        public var rule: String
        public var steps: Int
        public var stale: Int
    }

    public struct Edge: Equatable, Sendable {
        public var from: Int
        public var to: Int
        public var shape: Shape
    }

    public var nodes: [Node]
    public var edges: [Edge]

    /// - Parameter stale: per step, whether it would run (counted per rule).
    public init(graph: Graph, stale: [Bool]? = nil) {
        let d = graph.description
        nodes = d.rules.map { Node(rule: $0.name, steps: 0, stale: 0) }
        // For each (upstream rule, downstream rule): the most upstream steps one downstream step reads,
        // and the most downstream steps one upstream step feeds.
        var widestIn: [Int: [Int: Int]] = [:]
        var widestOut: [Int: [Int: Int]] = [:]
        var fedCount: [Int: [Int32: Int]] = [:]
        for step in 0..<graph.stepCount {
            let rule = Int(d.stepRule[step])
            nodes[rule].steps += 1
            if stale?[step] == true { nodes[rule].stale += 1 }
            var perUpstreamRule: [Int: Int] = [:]
            for dep in graph.dependencies(of: step) {
                let upstream = Int(d.stepRule[Int(dep)])
                perUpstreamRule[upstream, default: 0] += 1
                fedCount[upstream * nodes.count + rule, default: [:]][dep, default: 0] += 1
            }
            for (upstream, count) in perUpstreamRule {
                widestIn[upstream, default: [:]][rule] = max(widestIn[upstream]?[rule] ?? 0, count)
            }
        }
        for (key, feeds) in fedCount {
            let upstream = key / nodes.count, rule = key % nodes.count
            widestOut[upstream, default: [:]][rule] = feeds.values.max() ?? 0
        }
        var edges: [Edge] = []
        for upstream in widestIn.keys.sorted() {
            for rule in widestIn[upstream]!.keys.sorted() {
                let fanIn = widestIn[upstream]![rule]! > 1, fanOut = (widestOut[upstream]?[rule] ?? 0) > 1
                let shape: Shape = fanIn && fanOut ? .manyToMany : fanIn ? .fanIn : fanOut ? .fanOut : .oneToOne
                edges.append(Edge(from: upstream, to: rule, shape: shape))
            }
        }
        self.edges = edges
    }

    private func label(_ node: Node) -> String {
        "\(node.rule): \(node.steps) step\(node.steps == 1 ? "" : "s"), \(node.stale) stale"
    }

    public func dot() -> String {
        var out = "digraph dbuild {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n"
        for (i, node) in nodes.enumerated() { out += "  n\(i) [label=\(jsonString(label(node)))];\n" }
        for edge in edges { out += "  n\(edge.from) -> n\(edge.to) [label=\"\(edge.shape.rawValue)\"];\n" }
        return out + "}\n"
    }

    public func mermaid() -> String {
        var out = "flowchart LR\n"
        for (i, node) in nodes.enumerated() { out += "  n\(i)[\"\(label(node))\"]\n" }
        for edge in edges { out += "  n\(edge.from) -->|\(edge.shape.rawValue)| n\(edge.to)\n" }
        return out
    }
}

/// The step-level graph of a small selection, as DOT or Mermaid.
public enum StepGraph {
    public static let limit = 2_000

    public static func render(graph: Graph, steps: [Int], mermaid: Bool) -> String {
        let chosen = Set(steps)
        var index: [Int: Int] = [:]
        for (i, s) in steps.sorted().enumerated() { index[s] = i }
        var out = mermaid ? "flowchart LR\n" : "digraph steps {\n  rankdir=LR;\n  node [shape=box];\n"
        for s in steps.sorted() {
            out += mermaid ? "  s\(index[s]!)[\"\(graph.name(s))\"]\n" : "  s\(index[s]!) [label=\(jsonString(graph.name(s)))];\n"
        }
        for s in steps.sorted() {
            for dep in graph.dependencies(of: s) where chosen.contains(Int(dep)) {
                out += mermaid ? "  s\(index[Int(dep)]!) --> s\(index[s]!)\n" : "  s\(index[Int(dep)]!) -> s\(index[s]!);\n"
            }
        }
        return mermaid ? out : out + "}\n"
    }
}

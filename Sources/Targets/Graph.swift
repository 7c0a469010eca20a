import Rules

/// The step graph: who produces each path, each step's dependencies and dependents (flat arrays, so
/// a million steps stay compact), and a topological order. Built once per run from the Datafile's
/// description; construction rejects duplicate outputs, unusable output paths and cycles.
public final class Graph {
    public let description: GraphDescription
    public let datafile: String
    /// Per string id: the step that declares it as an output, or -1.
    public let producer: [Int32]
    let dependencyStart: [Int32]
    let dependencyList: [Int32]
    let dependentStart: [Int32]
    let dependentList: [Int32]
    /// Every step, dependencies before dependents.
    public let topologicalOrder: [Int32]
    /// Where the Datafile's named roots are on this machine (set by whoever loads the graph); recipes
    /// get paths on disk.
    public var roots = RootLocations()
    private var namesCache: [String]?
    private var nameLookup: [String: Int32]?
    private var pathLookup: [String: UInt32]?
    private var signatures: [UInt64]?
    private var positions: [Int32]?

    public var stepCount: Int { description.stepCount }

    public init(_ description: GraphDescription, datafile: String = "Datafile") throws {
        self.description = description
        self.datafile = datafile
        let n = description.stepCount
        var producer = [Int32](repeating: -1, count: description.strings.count)
        let rootNames = Set(description.roots.map(\.name))
        for step in 0..<n {
            for id in description.outputs(ofStep: step) {
                let path = description.strings[Int(id)]
                if let problem = Graph.outputPathProblem(path, roots: rootNames) {
                    throw GraphError.unusableOutput(path: path, step: description.name(ofStep: step),
                                                    place: Graph.place(description, datafile, step), problem: problem)
                }
                let other = producer[Int(id)]
                if other >= 0, other != Int32(step) {
                    throw GraphError.duplicateOutput(path: path,
                        first: description.name(ofStep: Int(other)), firstPlace: Graph.place(description, datafile, Int(other)),
                        second: description.name(ofStep: step), secondPlace: Graph.place(description, datafile, step))
                }
                producer[Int(id)] = Int32(step)
            }
        }
        self.producer = producer

        var dependencyStart = [Int32](repeating: 0, count: n + 1)
        var dependencyList: [Int32] = []
        dependencyList.reserveCapacity(description.inputIDs.count)
        var dependentCount = [Int32](repeating: 0, count: n + 1)
        var lastSeenBy = [Int32](repeating: -1, count: n)   // dedupes a producer listed for many inputs
        for step in 0..<n {
            for id in description.inputs(ofStep: step) {
                let p = producer[Int(id)]
                if p >= 0, lastSeenBy[Int(p)] != Int32(step) {
                    lastSeenBy[Int(p)] = Int32(step)
                    dependencyList.append(p)
                    dependentCount[Int(p)] += 1
                }
            }
            dependencyStart[step + 1] = Int32(dependencyList.count)
        }
        var dependentStart = [Int32](repeating: 0, count: n + 1)
        for step in 0..<n { dependentStart[step + 1] = dependentStart[step] + dependentCount[step] }
        var fill = Array(dependentStart.dropLast())
        var dependentList = [Int32](repeating: 0, count: dependencyList.count)
        for step in 0..<n {
            for d in dependencyStart[step]..<dependencyStart[step + 1] {
                let p = Int(dependencyList[Int(d)])
                dependentList[Int(fill[p])] = Int32(step)
                fill[p] += 1
            }
        }
        self.dependencyStart = dependencyStart
        self.dependencyList = dependencyList
        self.dependentStart = dependentStart
        self.dependentList = dependentList
        self.topologicalOrder = try Graph.sort(n: n, dependencyStart: dependencyStart, dependencyList: dependencyList,
                                               dependentStart: dependentStart, dependentList: dependentList, description: description, datafile: datafile)
    }

    // MARK: queries

    public func dependencies(of step: Int) -> ArraySlice<Int32> {
        dependencyList[Int(dependencyStart[step])..<Int(dependencyStart[step + 1])]
    }

    public func dependents(of step: Int) -> ArraySlice<Int32> {
        dependentList[Int(dependentStart[step])..<Int(dependentStart[step + 1])]
    }

    public func rule(of step: Int) -> RuleDescription { description.rules[Int(description.stepRule[step])] }
    public func string(_ id: UInt32) -> String { description.strings[Int(id)] }
    // String ids of a step's paths. (Reaching through `description` here, not in callers' `let d =
    // graph.description`: copying the description retains each of its arrays, per step.)
    public func inputIDs(of step: Int) -> ArraySlice<UInt32> { description.inputs(ofStep: step) }

    /// Paths some step lists as a tool (`s.tools`): what messages call a tool, not an input.
    public private(set) lazy var toolPaths: Set<UInt32> = {
        var tools = Set<UInt32>()
        for step in 0..<stepCount where description.toolCounts[step] > 0 {
            tools.formUnion(inputIDs(of: step).suffix(Int(description.toolCounts[step])))
        }
        return tools
    }()
    public func outputIDs(of step: Int) -> ArraySlice<UInt32> { description.outputs(ofStep: step) }
    public func parameterIDs(of step: Int) -> ArraySlice<UInt32> { description.parameters(ofStep: step) }
    public func inputs(of step: Int) -> [String] { description.inputs(ofStep: step).map(string) }
    public func outputs(of step: Int) -> [String] { description.outputs(ofStep: step).map(string) }
    public func recipe(of step: Int) -> String { string(description.recipeIDs[step]) }
    public func parameters(of step: Int) -> [String] { description.parameters(ofStep: step).map(string) }

    /// The step's signature (see `StepSignature`): from the saved list when one was attached.
    public func signature(of step: Int) -> UInt64 {
        if let signatures { return signatures[step] }
        return StepSignature.of(step, in: self)
    }

    /// Every step's signature, to save beside the cached graph (they depend on nothing else).
    public func allSignatures() -> [UInt64] {
        signatures ?? (0..<stepCount).map { StepSignature.of($0, in: self) }
    }

    /// Uses saved signatures (ignored unless there is one per step).
    public func attachSignatures(_ saved: [UInt64]) {
        if saved.count == stepCount { signatures = saved }
    }

    /// Where a step stands in `topologicalOrder` (computed once, when first asked).
    public func topologicalPosition(_ step: Int32) -> Int32 {
        if let positions { return positions[Int(step)] }
        var made = [Int32](repeating: 0, count: stepCount)
        for (i, s) in topologicalOrder.enumerated() { made[Int(s)] = Int32(i) }
        positions = made
        return made[Int(step)]
    }

    /// Every step's name, computed once.
    public var names: [String] {
        if let namesCache { return namesCache }
        let names = (0..<stepCount).map(description.name(ofStep:))
        namesCache = names
        return names
    }

    /// One step's name: built on demand unless every name was (a dry run of 10^6 steps that prints
    /// ten of them does not build the other 999,990).
    public func name(_ step: Int) -> String { namesCache?[step] ?? description.name(ofStep: step) }

    public func step(named name: String) -> Int? {
        if nameLookup == nil {
            var lookup = [String: Int32](minimumCapacity: stepCount)
            for (i, name) in names.enumerated() { lookup[name] = Int32(i) }
            nameLookup = lookup
        }
        return nameLookup![name].map(Int.init)
    }

    /// The string id of a path that appears in the graph, if any.
    /// Inputs judged by presence only (`existing(path)`), by string id; empty when the Datafile names none.
    public private(set) lazy var presenceOnly: Set<UInt32> = Set(description.presenceOnly.compactMap(pathID))

    public func pathID(_ path: String) -> UInt32? {
        if pathLookup == nil {
            var lookup: [String: UInt32] = [:]
            for id in description.inputIDs { lookup[description.strings[Int(id)]] = id }
            for id in description.outputIDs { lookup[description.strings[Int(id)]] = id }
            pathLookup = lookup
        }
        return pathLookup![path]
    }

    /// "Datafile:12 (rule LP)", for messages.
    public func place(of step: Int) -> String { Graph.place(description, datafile, step) }

    static func place(_ d: GraphDescription, _ datafile: String, _ step: Int) -> String {
        let rule = d.rules[Int(d.stepRule[step])]
        return "\(datafile):\(rule.line) (rule \(rule.name))"
    }

    // MARK: construction helpers

    static func outputPathProblem(_ path: String, roots: Set<String>) -> String? {
        if path.utf8.first == UInt8(ascii: "@") {
            guard let (root, relative) = RootLocations.split(path), roots.contains(root) else {
                return "no root named \(path.dropFirst().prefix { $0 != "/" }) is declared; declare it with "
                    + "Root(\"name\", default: \"/path\") and write its paths as root[\"relative/path\"]"
            }
            if relative.isEmpty || relative == ".." || relative.hasPrefix("../") || relative == "." {
                return "it names the root \(root) itself or leaves it; name a file under the root"
            }
            return nil
        }
        if path.hasPrefix("/") {
            return "it is absolute; outputs live inside the project or under a declared root (Root(\"name\", default: \"/path\")), "
                + "so write it relative to the Datafile's folder or as root[\"relative/path\"]"
        }
        if path == ".." || path.hasPrefix("../") { return "it leaves the project folder; write a path inside the project" }
        if path == "." { return "it names the project folder itself; name a file" }
        if path == ".dbuild" || path.hasPrefix(".dbuild/") { return "it is inside .dbuild/, which belongs to dbuild; choose another folder" }
        return nil
    }

    /// Kahn's algorithm; on a cycle, walks the leftover steps to print one cycle.
    private static func sort(n: Int, dependencyStart: [Int32], dependencyList: [Int32], dependentStart: [Int32],
                             dependentList: [Int32], description: GraphDescription, datafile: String) throws -> [Int32] {
        var remaining = (0..<n).map { dependencyStart[$0 + 1] - dependencyStart[$0] }
        var order: [Int32] = []
        order.reserveCapacity(n)
        for step in 0..<n where remaining[step] == 0 { order.append(Int32(step)) }
        var head = 0
        while head < order.count {
            let step = Int(order[head]); head += 1
            for d in dependentStart[step]..<dependentStart[step + 1] {
                let next = Int(dependentList[Int(d)])
                remaining[next] -= 1
                if remaining[next] == 0 { order.append(Int32(next)) }
            }
        }
        if order.count == n { return order }
        // Every leftover step has a leftover dependency; follow them until a step repeats.
        var step = remaining.firstIndex { $0 > 0 }!
        var seenAt: [Int: Int] = [:]
        var path: [Int] = []
        while seenAt[step] == nil {
            seenAt[step] = path.count
            path.append(step)
            let deps = dependencyList[Int(dependencyStart[step])..<Int(dependencyStart[step + 1])]
            step = Int(deps.first { remaining[Int($0)] > 0 }!)
        }
        // Shown in the direction data flows (producer → consumer), starting from the earliest-declared step.
        var cycle = Array(path[seenAt[step]!...].reversed())
        let first = cycle.firstIndex(of: cycle.min()!)!
        cycle = Array(cycle[first...] + cycle[..<first])
        let names = cycle.map { description.name(ofStep: $0) }
        throw GraphError.cycle(steps: names + [names[0]], places: cycle.map { "\(datafile):\(description.rules[Int(description.stepRule[$0])].line)" })
    }
}

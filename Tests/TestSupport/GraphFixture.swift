import Rules
import Targets

/// Builds a `GraphDescription` by hand for engine tests, without evaluating a Datafile.
public struct GraphFixture {
    public var description = GraphDescription()
    private var interned: [String: UInt32] = [:]

    public init() {}

    private mutating func intern(_ s: String) -> UInt32 {
        if let id = interned[s] { return id }
        description.strings.append(s)
        interned[s] = UInt32(description.strings.count - 1)
        return interned[s]!
    }

    public mutating func rule(_ name: String, parameters: [String] = [], staleness: Staleness = .mtime,
                              configure: (inout RuleDescription) -> Void = { _ in }) {
        var rule = RuleDescription(name: name, line: description.rules.count + 1, parameterNames: parameters)
        rule.staleness = staleness
        configure(&rule)
        _ = intern(name)
        parameters.forEach { _ = intern($0) }
        description.rules.append(rule)
    }

    public mutating func step(_ rule: String, _ parameters: [String] = [], inputs: [String] = [], outputs: [String],
                              recipe: String = "true", tools: [String] = []) {
        let index = description.rules.firstIndex { $0.name == rule }!
        description.stepRule.append(UInt32(index))
        for p in parameters { description.parameterIDs.append(intern(p)) }
        description.parameterStart.append(UInt32(description.parameterIDs.count))
        for p in inputs + tools { description.inputIDs.append(intern(p)) }
        description.inputStart.append(UInt32(description.inputIDs.count))
        for p in outputs { description.outputIDs.append(intern(p)) }
        description.outputStart.append(UInt32(description.outputIDs.count))
        description.recipeIDs.append(intern(recipe))
        description.toolCounts.append(UInt32(tools.count))
    }

    public func graph() throws -> Graph { try Graph(description) }
}

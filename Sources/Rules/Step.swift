/// One instance of a rule, as the rule's closure fills it in: `s.model` reads a grid parameter;
/// `inputs`, `outputs` and `recipe` are what the closure sets.
///
/// In a recipe, `{input}`, `{inputs}`, `{tool}`, `{tools}`, `{output}`, `{outputs}`, `{name}` and `{<parameter>}` are
/// replaced (shell-quoted) when the step runs; any other braces are left alone, so awk works as written.
@dynamicMemberLookup
public final class Step {
    public let rule: String
    /// `rule/value1/value2…` (built when asked: the builder needs it only for messages).
    public var name: String { parameterValues.isEmpty ? rule : rule + "/" + parameterValues.joined(separator: "/") }
    let parameterNames: [String]
    let parameterValues: [String]
    let declaration: Declaration
    public var inputs: [String] = []
    public var outputs: [String] = []
    public var recipe: String = ""
    /// Files the recipe runs (scripts, programs, configuration): a change to one makes the step
    /// stale like any input, but they are not part of `{inputs}`.
    public var tools: [String] = []
    var isSkipped = false

    init(rule: String, parameterNames: [String], parameterValues: [String], declaration: Declaration) {
        self.rule = rule
        self.parameterNames = parameterNames
        self.parameterValues = parameterValues
        self.declaration = declaration
    }

    /// The value of grid parameter `key` for this step.
    public subscript(dynamicMember key: String) -> String { self[key] }

    public subscript(_ key: String) -> String {
        guard let i = parameterNames.firstIndex(of: key) else {
            let known = parameterNames.isEmpty ? "it has none" : "it has " + parameterNames.joined(separator: ", ")
            declaration.fail("rule \(rule) has no parameter '\(key)' (\(known)); use one of those names")
        }
        return parameterValues[i]
    }

    /// The outputs of the step named `selection`, or of every step whose name starts with `selection/`.
    /// The referenced rule must be declared above this one.
    public func outputs(of selection: String, line: Int = #line) -> [String] {
        DatafileBuilder.shared.outputs(of: selection, referencedFrom: self, at: Declaration(file: declaration.file, line: line))
    }

    /// Leaves this combination of parameters out of the rule.
    public func skip() { isSkipped = true }
}

/// Where a rule was declared, so that errors found while evaluating name the Datafile's line.
struct Declaration {
    let file: String
    let line: Int

    func fail(_ message: String) -> Never {
        reportDatafileError("\(file):\(line): error: \(message)")
    }
}

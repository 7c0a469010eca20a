import Rules

/// Staged replacement: a step's outputs are written into a staging folder on the products' own
/// file system and moved into place only when the step succeeded, so a failed, stopped, preempted
/// or killed attempt leaves the products it was replacing as they were. The folder mirrors the
/// products' layout, so a recipe that writes beside `{output}` still finds its folder.
///
/// Under the project: `.dbuild/staging/<key>/<path>`; under a root: `<first location>/.dbuild-staging/<key>/<relative path>`.
/// `<key>` names the step (the hash of its name), so an attempt's leftovers are found by the next.
public enum Staging {
    public static let projectFolder = ".dbuild/staging"
    public static let rootFolder = ".dbuild-staging"

    public static func key(of step: String) -> String {
        let hex = String(xxh3(step), radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Where the recipe writes `output`: relative to the project, or absolute under a root's first
    /// location. nil for an absolute path outside every root (it is written in place).
    public static func stagedPath(of output: String, step: String, roots: RootLocations) -> String? {
        if let (root, relative) = RootLocations.split(output) {
            guard let location = roots.locations[root]?.first else { return nil }
            return location + "/" + rootFolder + "/" + key(of: step) + "/" + relative
        }
        if output.utf8.first == UInt8(ascii: "/") { return nil }
        return projectFolder + "/" + key(of: step) + "/" + output
    }

    /// A step's staging folders, each with the folder whose layout it mirrors (where its contents
    /// go): relative to the project, or absolute.
    public static func folders(step: String, outputs: [String], roots: RootLocations) -> [(staging: String, target: String)] {
        var result: [(String, String)] = []
        for output in outputs {
            let pair: (String, String)
            if let (root, _) = RootLocations.split(output), let location = roots.locations[root]?.first {
                pair = (location + "/" + rootFolder + "/" + key(of: step), location)
            } else {
                pair = (projectFolder + "/" + key(of: step), ".")
            }
            if !result.contains(where: { $0.0 == pair.0 }) { result.append(pair) }
        }
        return result
    }
}

/// Whether a step's outputs are staged, and if not, why (`-n -v` says it).
public enum StagingDecision: Equatable, Sendable {
    case staged
    case inPlace(String)

    public var isStaged: Bool { self == .staged }
}

extension Graph {
    /// Staging applies unless the rule says `.writesInPlace()`, keeps an attempt's files
    /// (`.checkpointing()`, `.keepOutputsOnFailure()`), or the recipe's text shows it writes its
    /// products by themselves: it never names them with `{output}`/`{outputs}`, names one by its
    /// path, or appends to one (`>> {output}`).
    public func staging(of step: Int) -> StagingDecision {
        let outputs = self.outputs(of: step)
        guard !outputs.isEmpty else { return .inPlace("it declares no outputs") }
        let rule = self.rule(of: step)
        if rule.writesInPlace { return .inPlace("its rule says .writesInPlace()") }
        if rule.checkpointing { return .inPlace("a .checkpointing() rule resumes from what an earlier attempt wrote") }
        if rule.keepsOutputsOnFailure { return .inPlace("its rule keeps a failed attempt's files (.keepOutputsOnFailure())") }
        if let outside = outputs.first(where: { Staging.stagedPath(of: $0, step: "", roots: roots) == nil }) {
            return .inPlace("\(outside) is outside the project and its roots")
        }
        let template = recipe(of: step)
        guard template.contains("{output") else { return .inPlace("its recipe never names its outputs with {output} or {outputs}") }
        if Self.appendsToOutput(template) { return .inPlace("its recipe appends to its output (>> {output})") }
        let others = RecipeText.expand(step: step, in: self, writtenTo: outputs.map { _ in "" })
        for output in outputs {
            let onDisk = roots.isEmpty ? output : roots.writable(output) ?? output
            if others.contains(onDisk) { return .inPlace("its recipe names \(onDisk) itself, not through {output}") }
        }
        return .staged
    }

    /// `>> {output}` or `>>{outputs}`: the recipe adds to what is there.
    static func appendsToOutput(_ template: String) -> Bool {
        let bytes = Array(template.utf8), target = Array("{output".utf8)
        var i = 0
        while i + 1 < bytes.count {
            if bytes[i] == UInt8(ascii: ">") && bytes[i + 1] == UInt8(ascii: ">") {
                var j = i + 2
                while j < bytes.count && bytes[j] == UInt8(ascii: " ") { j += 1 }
                if bytes[j...].starts(with: target) { return true }
                i = j
            } else {
                i += 1
            }
        }
        return false
    }
}

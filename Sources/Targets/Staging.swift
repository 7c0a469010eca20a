import Rules

/// Staged replacement: a step's outputs are written into a staging folder on the products' own
/// file system and moved into place only when the step succeeded, so a failed, stopped, preempted
/// or killed attempt leaves the products it was replacing as they were.
///
/// The staging folder stands for the folder the step's outputs share (their deepest common
/// folder): `a/b/x.h5` and `a/b/y.h5` are staged as `<staging>/x.h5` and `<staging>/y.h5`, and a
/// recipe that writes beside `{output}` (`$(dirname {output})/index`) writes into it too — what it
/// holds moves into `a/b/`. Under the project the folder is `.dbuild/staging/<key>`; under a root,
/// `<first location>/.dbuild-staging/<key>`. `<key>` names the step (the hash of its name), so an
/// attempt's leftovers are found by the next — on SLURM. A local build instead gives each running
/// step one of a few reused folders (`run-<pid>-<slot>`), emptied by the move and taken by the next
/// step: a folder made and removed per step was an inode allocated and freed each time, and cost
/// ext4 a scan of the freed inodes at every later creation (+20 % on 10,000 steps, BENCHMARKS).
public enum Staging {
    public static let projectFolder = ".dbuild/staging"
    public static let rootFolder = ".dbuild-staging"

    public static func key(of step: String) -> String {
        let hex = String(xxh3(step), radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Where a step's outputs are written (relative to the project, or absolute under a root's first
    /// location), and its staging folders, each with the folder its contents move into. nil when an
    /// output is an absolute path outside every root (the step writes in place).
    public static func layout(step: String, outputs: [String], roots: RootLocations, key: String? = nil)
        -> (paths: [String], folders: [(staging: String, target: String)])? {
        // Per output: its base ("" for the project, else the root) and its path under the base.
        var placed: [(base: String, relative: String)] = []
        for output in outputs {
            if let (root, relative) = RootLocations.split(output) {
                guard roots.locations[root]?.first != nil else { return nil }
                placed.append((root, relative))
            } else if output.utf8.first == UInt8(ascii: "/") {
                return nil
            } else {
                placed.append(("", output))
            }
        }
        var common: [String: [Substring]] = [:]
        var order: [String] = []
        for (base, relative) in placed {
            let folder = parentComponents(relative)
            if let known = common[base] {
                common[base] = Array(zip(known, folder).prefix { $0.0 == $0.1 }.map(\.0))
            } else {
                common[base] = folder
                order.append(base)
            }
        }
        let key = key ?? Self.key(of: step)
        func staging(_ base: String) -> String {
            base.isEmpty ? projectFolder + "/" + key : roots.locations[base]![0] + "/" + rootFolder + "/" + key
        }
        let paths = placed.map { base, relative -> String in
            let shared = common[base]!
            return staging(base) + "/" + (shared.isEmpty ? relative : String(relative.dropFirst(shared.joined(separator: "/").count + 1)))
        }
        let folders = order.map { base -> (String, String) in
            let shared = common[base]!.joined(separator: "/")
            let location = base.isEmpty ? "." : roots.locations[base]![0]
            return (staging(base), shared.isEmpty ? location : location == "." ? shared : location + "/" + shared)
        }
        return (paths, folders)
    }

    /// "a/b/x.h5" → ["a", "b"]; a folder product "a/s.zarr/" → ["a"].
    private static func parentComponents(_ path: String) -> [Substring] {
        let parts = path.split(separator: "/")
        return Array(parts.dropLast())
    }

    /// Whether `output` can be staged at all (it lies in the project or under a root).
    public static func canStage(_ output: String, roots: RootLocations) -> Bool {
        if let (root, _) = RootLocations.split(output) { return roots.locations[root]?.first != nil }
        return output.utf8.first != UInt8(ascii: "/")
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
        if let outside = outputs.first(where: { !Staging.canStage($0, roots: roots) }) {
            return .inPlace("\(outside) is outside the project and its roots")
        }
        let template = recipe(of: step)
        guard template.contains("{output") else { return .inPlace("its recipe never names its outputs with {output} or {outputs}") }
        if Self.appendsToOutput(template) { return .inPlace("its recipe appends to its output (>> {output})") }
        let others = RecipeText.expand(step: step, in: self, writtenTo: outputs.map { _ in "" })
        for output in outputs {
            var onDisk = roots.isEmpty ? output : roots.writable(output) ?? output
            if isFolderPath(onDisk) { onDisk.removeLast() }
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

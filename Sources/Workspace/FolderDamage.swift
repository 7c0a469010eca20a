import Rules
import Targets

/// `verify`'s look inside folder products: the files missing, changed and extra against the tree
/// each product's step left (recorded with its success), a few of each named.
public enum FolderDamage {
    public static func lines(_ project: Project, steps: [Bool], trees: [String: FolderTree]) -> [String] {
        guard !trees.isEmpty else { return [] }
        let graph = project.graph
        var lines: [String] = []
        for step in 0..<graph.stepCount where steps[step] {
            for path in graph.outputs(of: step) where isFolderPath(path) {
                guard let recorded = trees[path], let now = project.fileSystem.tree(path) else { continue }
                let detail = FolderTree.describe(now.differences(from: recorded))
                if !detail.isEmpty { lines.append("  \(path): \(detail)") }
            }
        }
        return lines
    }
}

import Foundation
import Basics
import Targets

/// Where the products of each named root are: per location, how many declared products are found
/// there (the first location that has one is where dbuild reads it), which have copies in two
/// locations (same content or not), which are in no location, and which files in a root no step
/// declares. What `verify` prints after its table, and what `relocate` acts on.
public struct RootReport {
    public struct Root {
        public var name: String
        public var locations: [String]
        /// Per location: declared paths found there first.
        public var foundFirst: [Int]
        public var duplicatesIdentical: [String] = []
        public var duplicatesDiffering: [String] = []
        public var missing: [String] = []
        public var undeclared: [String] = []
    }

    public var roots: [Root] = []

    /// Every declared path (outputs and inputs) under a root; copies are compared by size, then content hash.
    public init(graph: Graph, fileSystem: DiskFileSystem) {
        let locations = graph.roots
        var declared: [String: Set<String>] = [:]
        for id in graph.description.outputIDs + graph.description.inputIDs {
            let path = graph.string(id)
            if let (root, _) = RootLocations.split(path) { declared[root, default: []].insert(path) }
        }
        for name in locations.names {
            let folders = locations.locations[name] ?? []
            var root = Root(name: name, locations: folders, foundFirst: Array(repeating: 0, count: folders.count))
            let paths = declared[name] ?? []
            for path in paths.sorted() {
                let copies = locations.copies(path)
                guard let first = copies.first else {
                    if graph.pathID(path).map({ graph.producer[Int($0)] >= 0 }) ?? false { root.missing.append(path) }
                    continue
                }
                root.foundFirst[first.location] += 1
                if copies.count > 1 {
                    if Self.sameContent(copies.map(\.path), fileSystem) { root.duplicatesIdentical.append(path) } else { root.duplicatesDiffering.append(path) }
                }
            }
            var undeclared = Set<String>()
            for folder in folders {
                for relative in Self.files(under: folder) where !paths.contains("@\(name)/\(relative)") {
                    if !Self.isInsideAFolderProduct(relative, root: name, declared: paths.contains) { undeclared.insert("@\(name)/\(relative)") }
                }
            }
            root.undeclared = undeclared.sorted()
            roots.append(root)
        }
    }

    public static func sameContent(_ paths: [String], _ fileSystem: DiskFileSystem) -> Bool {
        let hashes = paths.map { path -> String in
            var info = stat()
            guard stat(path, &info) == 0 else { return "missing" }
            return "\(info.st_size):\(fileSystem.contentHash(path).map(String.init) ?? "unreadable")"
        }
        return Set(hashes).count == 1
    }

    /// Regular files under a folder, relative to it (a folder that is gone has none).
    /// A file inside a folder product (`dir`) is the product's, not a file no step declares.
    public static func isInsideAFolderProduct(_ relative: String, root: String, declared: (String) -> Bool) -> Bool {
        relative.indices.contains { i in relative[i] == "/" && declared("@\(root)/\(relative[...i])") }
    }

    public static func files(under folder: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return [] }
        var result: [String] = []
        while let relative = walker.nextObject() as? String {
            if (walker.fileAttributes?[.type] as? FileAttributeType) == .typeRegular { result.append(relative) }
        }
        return result
    }

    /// A location inside the project is shown relative to it.
    public func text(listAll: Bool, projectRoot: String) -> String {
        var out = ""
        func shown(_ location: String) -> String {
            location.hasPrefix(projectRoot + "/") ? String(location.dropFirst(projectRoot.count + 1)) + "/" : location
        }
        func some(_ paths: [String]) -> String {
            let shown = listAll ? paths : Array(paths.prefix(5))
            return shown.joined(separator: ", ") + (shown.count < paths.count ? ", … (--missing lists all)" : "")
        }
        for root in roots {
            out += "\nRoot \(root.name):\n"
            for (i, location) in root.locations.enumerated() {
                let exists = FileManager.default.fileExists(atPath: location)
                out += "  \(shown(location))\(i == 0 ? " (first: new products go here)" : "")\(exists ? "" : " (not there)"): "
                    + "\(root.foundFirst[i]) product\(root.foundFirst[i] == 1 ? "" : "s")\n"
            }
            let copies = root.duplicatesIdentical.count + root.duplicatesDiffering.count
            if copies > 0 {
                out += "  in two locations: \(copies) (\(root.duplicatesIdentical.count) identical, \(root.duplicatesDiffering.count) differing"
                    + (root.duplicatesDiffering.isEmpty ? ")" : ": \(some(root.duplicatesDiffering)))") + "\n"
            }
            if !root.missing.isEmpty { out += "  in no location: \(root.missing.count) (\(some(root.missing)))\n" }
            if !root.undeclared.isEmpty {
                out += "  files no step declares: \(root.undeclared.count) (\(some(root.undeclared)))\n"
            }
        }
        return out
    }
}

import Rules
/// What is wrong with one declared output, if anything.
public enum ProductProblem: Equatable, Sendable {
    case missing
    /// A folder, device, pipe or socket where a file is declared.
    case notARegularFile(FileType)
    /// A file (or device, pipe, socket) where a folder product is declared.
    case notAFolder(FileType)
    /// Below the rule's `expect(minBytes:)`.
    case tooSmall(size: Int64, minimum: Int64)
    /// A folder product with fewer files than the rule's `expect(minFiles:)`.
    case tooFewFiles(count: Int, minimum: Int)
    /// A folder product without a path the rule's `expect(contains:)` names.
    case lacks(String)
    /// The content check (HDF5 expectations) failed.
    case content(String)

    /// The problem as a person reads it, after the path.
    public var text: String {
        switch self {
        case .missing: return "missing"
        case .notARegularFile(let type): return "\(type.text), not a file"
        case .notAFolder(let type): return "\(type.text), not a folder"
        case .tooSmall(let size, let minimum): return "\(size) bytes, expected at least \(minimum)"
        case .tooFewFiles(let count, let minimum): return "\(count) file\(count == 1 ? "" : "s") inside, expected at least \(minimum)"
        case .lacks(let entry): return "no \(entry) inside"
        case .content(let what): return what
        }
    }
}

/// The one answer to "is this product sound?": it exists, is a regular file, has at least the
/// rule's minimum size and, where a content check is given (HDF5 expectations, which need a library
/// this module does not link), passes it. Staleness, recording a finished step, `verify`, `adopt`,
/// the report and the array task runner all ask here.
public struct ProductCheck {
    public var minimumBytes: Int64
    /// What a folder product must hold (checked where a file system is at hand: `problem(of:in:)`).
    public var folder: FolderExpectation
    /// Checks a present file's content; nil when it passes.
    public var content: ((String) -> String?)?

    public init(minimumBytes: Int, folder: FolderExpectation = FolderExpectation(), content: ((String) -> String?)? = nil) {
        self.minimumBytes = Int64(minimumBytes)
        self.folder = folder
        self.content = content
    }

    /// Judges a file from its status (and, if a content check is set, its path). A path ending in
    /// "/" is a folder product: it must be a folder, its size the bytes of its files.
    public func problem(_ status: FileStatus?, path: String? = nil) -> ProductProblem? {
        guard let status else { return .missing }
        if let path, isFolderPath(path) {
            if status.type != .folder { return .notAFolder(status.type) }
            if status.size < minimumBytes { return .tooSmall(size: status.size, minimum: minimumBytes) }
            return nil
        }
        if !status.isRegularFile { return .notARegularFile(status.type) }
        if status.size < minimumBytes { return .tooSmall(size: status.size, minimum: minimumBytes) }
        if let content, let path, let what = content(path) { return .content(what) }
        return nil
    }

    /// Judges a product on disk, a folder product also by what it holds: the whole check, where
    /// `problem(_:path:)` judges from a status alone (staleness, which must not walk folders twice).
    public func problem(of path: String, in fileSystem: FileSystem) -> ProductProblem? {
        guard !folder.isEmpty, isFolderPath(path), let tree = fileSystem.tree(path) else {
            return problem(fileSystem.status(path), path: path)
        }
        if let found = problem(tree.status, path: path) { return found }
        return folderProblem(tree)
    }

    /// What a folder product lacks of the rule's `expect(minFiles:)` and `expect(contains:)`.
    public func folderProblem(_ tree: FolderTree) -> ProductProblem? {
        if !folder.requiredEntries.isEmpty {             // first: a missing zarr.json says more than a count
            var present: [String: Bool] = [:]               // path → is a folder
            for entry in tree.entries { present[entry.path] = entry.isFolder }
            for entry in folder.requiredEntries {
                let wantsFolder = entry.hasSuffix("/")
                if present[wantsFolder ? String(entry.dropLast()) : entry] != wantsFolder { return .lacks(entry) }
            }
        }
        let count = tree.entries.reduce(0) { $0 + ($1.isFolder ? 0 : 1) }
        return count < folder.minimumFiles ? .tooFewFiles(count: count, minimum: folder.minimumFiles) : nil
    }

    /// The first unsound output of a list, with its problem.
    public func firstProblem(_ paths: [String], in fileSystem: FileSystem) -> (path: String, problem: ProductProblem)? {
        for path in paths {
            if let problem = problem(of: path, in: fileSystem) { return (path, problem) }
        }
        return nil
    }
}

extension Graph {
    /// The product check of a step's rule (size, kind and what a folder holds; content checks are
    /// added by the caller).
    public func productCheck(of step: Int) -> ProductCheck {
        let rule = rule(of: step)
        return ProductCheck(minimumBytes: rule.minimumOutputBytes, folder: rule.folderExpectation)
    }
}

/// The outputs of one attempt as they were before it started: after a failed attempt, only what it
/// created or changed is removed; a product it never touched stays.
public struct OutputSnapshot: Equatable, Sendable, Codable {
    /// Per output: size, mtime (ns) and inode; size -1 when the output did not exist.
    public var facts: [Int64]

    public init(facts: [Int64]) { self.facts = facts }

    public init(_ paths: [String], in fileSystem: FileSystem) {
        facts = paths.flatMap { path -> [Int64] in
            guard let s = fileSystem.status(path) else { return [-1, 0, 0] }
            return [s.size, s.mtimeNanos, Int64(bitPattern: s.inode)]
        }
    }

    /// The outputs that differ from the snapshot now (created, rewritten or replaced) — the ones an
    /// attempt touched. Outputs absent both then and now are not listed.
    public func touched(_ paths: [String], in fileSystem: FileSystem) -> [String] {
        guard facts.count == paths.count * 3 else { return paths }     // no usable snapshot: trust nothing
        return paths.enumerated().compactMap { i, path in
            let now = fileSystem.status(path)
            let before = facts[3 * i] < 0 ? nil : (facts[3 * i], facts[3 * i + 1], UInt64(bitPattern: facts[3 * i + 2]))
            switch (before, now) {
            case (nil, nil): return nil
            case (let b?, let n?) where b.0 == n.size && b.1 == n.mtimeNanos && b.2 == n.inode: return nil
            default: return path
            }
        }
    }

    /// Removes what an attempt touched (`touched`), and returns what is gone: the one way a failed,
    /// stopped or killed attempt is cleaned up — what it never touched stays, and so does a folder
    /// or special file it left (dbuild never removes those; `kept` lists them).
    @discardableResult
    public func removeTouched(_ paths: [String], in fileSystem: FileSystem) -> (removed: [String], kept: [String]) {
        let touched = touched(paths, in: fileSystem)
        touched.forEach(fileSystem.removeFile)
        var removed: [String] = [], kept: [String] = []
        for path in touched { if fileSystem.status(path) == nil { removed.append(path) } else { kept.append(path) } }
        return (removed, kept)
    }
}

/// Something an HDF5 output must contain, checked by `dbuild verify`.
public struct HDF5Check: Equatable, Sendable {
    public enum Kind: UInt8, Sendable { case group = 0, dataset = 1, attribute = 2 }

    public var kind: Kind
    /// The group or dataset path ("/lc", "kappa"), or for an attribute its name.
    public var path: String
    /// For an attribute: the object that carries it ("/" for the file's root group).
    public var owner: String
    /// For a dataset: the expected shape (empty: any) and element type ("float64", "int64", … or "": any).
    public var shape: [Int]
    public var dtype: String

    public static func group(_ path: String) -> HDF5Check { HDF5Check(kind: .group, path: path, owner: "", shape: [], dtype: "") }

    public static func dataset(_ path: String, shape: [Int] = [], dtype: String = "") -> HDF5Check {
        HDF5Check(kind: .dataset, path: path, owner: "", shape: shape, dtype: dtype)
    }

    public static func attribute(_ name: String, on owner: String = "/") -> HDF5Check {
        HDF5Check(kind: .attribute, path: name, owner: owner, shape: [], dtype: "")
    }

    /// How a verify report names it: `dataset kappa [64, 64] float64`.
    public var text: String {
        switch kind {
        case .group: return "group \(path)"
        case .dataset: return "dataset \(path)" + (shape.isEmpty ? "" : " \(shape)") + (dtype.isEmpty ? "" : " \(dtype)")
        case .attribute: return "attribute \(path)" + (owner == "/" ? "" : " on \(owner)")
        }
    }
}

/// "At least N complete outputs per value of a parameter" (the seed's "≥ 500 maps per model").
public struct CountGoal: Equatable, Sendable {
    public var atLeast: Int
    /// A parameter of the rule, or "" for the rule as a whole.
    public var per: String
}

/// What every folder product (`dir(...)`) of a rule must hold: `expect(minFiles:)`, `expect(contains:)`.
public struct FolderExpectation: Equatable, Sendable {
    /// Files anywhere inside (folders not counted).
    public var minimumFiles = 0
    /// Paths inside the folder, "/"-separated, that must exist (a file, or a folder when it ends in "/").
    public var requiredEntries: [String] = []

    public init(minimumFiles: Int = 0, requiredEntries: [String] = []) {
        self.minimumFiles = minimumFiles
        self.requiredEntries = requiredEntries
    }

    public var isEmpty: Bool { minimumFiles == 0 && requiredEntries.isEmpty }
}

extension Rule {
    /// Each folder product of this rule must hold at least `count` files (in all its subfolders): a
    /// step that leaves fewer has failed, and `dbuild verify` reports it.
    @discardableResult
    public func expect(minFiles count: Int, line: Int = #line) -> Rule {
        if count < 0 { Declaration(file: declaration.file, line: line).fail("rule \(description.name): expect(minFiles:) needs a count of 0 or more") }
        description.folderExpectation.minimumFiles = max(0, count)
        return self
    }

    /// Each folder product of this rule must contain these paths (`"zarr.json"`, `"c/"` for a
    /// subfolder): a step that leaves one out has failed, and `dbuild verify` reports it.
    @discardableResult
    public func expect(contains entries: String..., line: Int = #line) -> Rule {
        let here = Declaration(file: declaration.file, line: line)
        for entry in entries {
            let parts = entry.split(separator: "/", omittingEmptySubsequences: false).dropLast(entry.hasSuffix("/") ? 1 : 0)
            if entry.isEmpty || entry.hasPrefix("/") || parts.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) {
                here.fail("rule \(description.name): expect(contains: \"\(entry)\") needs a path inside the folder product, "
                    + "like \"zarr.json\" or \"meta/schema.json\" (no leading /, no . or .. parts)")
            }
        }
        description.folderExpectation.requiredEntries += entries
        return self
    }

    /// `dbuild verify` also opens each output as HDF5 and checks that it contains these objects.
    @discardableResult
    public func expectHDF5(_ checks: HDF5Check..., line: Int = #line) -> Rule {
        for check in checks where check.path.isEmpty {
            Declaration(file: declaration.file, line: line).fail("rule \(description.name): an HDF5 expectation needs a name")
        }
        description.hdf5Checks += checks
        return self
    }

    /// `dbuild verify` also requires at least `count` complete outputs per value of parameter `per`
    /// (or in all, when `per` is omitted).
    @discardableResult
    public func expect(atLeast count: Int, per parameter: String = "", line: Int = #line) -> Rule {
        let here = Declaration(file: declaration.file, line: line)
        if count < 0 { here.fail("rule \(description.name): expect(atLeast:) needs a count of 0 or more") }
        if !parameter.isEmpty && !description.parameterNames.contains(parameter) {
            here.fail("rule \(description.name) has no parameter '\(parameter)' to count per; it has "
                + (description.parameterNames.isEmpty ? "none" : description.parameterNames.joined(separator: ", ")))
        }
        description.countGoal = CountGoal(atLeast: count, per: parameter)
        return self
    }
}

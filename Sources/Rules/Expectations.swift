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

extension Rule {
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

import CHDF5

/// What `dbuild verify` asks of an HDF5 product: does it hold this group, this dataset (with this
/// shape and element type), this attribute?
extension HDF5File {
    public enum ObjectKind: Equatable { case group, dataset, other }

    /// The kind of the object at `path`, or nil when any component of the path is missing.
    public func objectKind(_ path: String) -> ObjectKind? {
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix += "/" + component
            guard H5Lexists(handle, prefix, dsynth_default()) > 0 else { return nil }
        }
        if prefix.isEmpty { return .group }
        let group = H5Gopen2(handle, prefix, dsynth_default())
        if group >= 0 { H5Gclose(group); return .group }
        let dataset = H5Dopen2(handle, prefix, dsynth_default())
        if dataset >= 0 { H5Dclose(dataset); return .dataset }
        return .other
    }

    /// A dataset's shape and element type ("float64", "float32", "int64", "int32", "uint8", "string", …).
    public func datasetInfo(_ path: String) -> (shape: [Int], dtype: String)? {
        let dataset = H5Dopen2(handle, path, dsynth_default())
        guard dataset >= 0 else { return nil }
        defer { H5Dclose(dataset) }
        let shape = Self.shape(of: dataset)
        let type = H5Dget_type(dataset)
        defer { H5Tclose(type) }
        let bits = Int(H5Tget_size(type)) * 8
        let name: String
        switch H5Tget_class(type) {
        case H5T_FLOAT: name = "float\(bits)"
        case H5T_INTEGER: name = (H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int") + "\(bits)"
        case H5T_STRING: name = "string"
        default: name = "other"
        }
        return (shape, name)
    }

    /// Whether the object at `owner` ("/" for the root) carries attribute `name`.
    public func hasAttribute(_ name: String, on owner: String) -> Bool {
        if owner != "/" && owner != "" && objectKind(owner) == nil { return false }
        return H5Aexists_by_name(handle, owner.isEmpty ? "/" : owner, name, dsynth_default()) > 0
    }
}

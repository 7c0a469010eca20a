import Basics
import HDF5Probe
import Rules

/// Checks one file against a rule's HDF5 expectations: the first problem found, or nil. The HDF5
/// library is loaded only here, the first time a rule with HDF5 expectations is checked (see
/// HDF5Probe): every other command starts without it.
public enum HDF5Expectations {
    /// Loads the library when a rule has HDF5 expectations; a machine without it is told so (exit 3)
    /// rather than every product being called broken.
    public static func requireLibrary(for rules: [RuleDescription]) throws {
        guard rules.contains(where: { !$0.hdf5Checks.isEmpty }), dbuild_hdf5_load() == 0 else { return }
        throw DbuildFailure.setup("cannot check the Datafile's HDF5 expectations: " + String(cString: dbuild_hdf5_error()))
    }

    public static func problem(_ path: String, _ checks: [HDF5Check]) -> String? {
        guard !checks.isEmpty else { return nil }
        guard dbuild_hdf5_load() != 0 else { return "not checked: " + String(cString: dbuild_hdf5_error()) }
        let file = dbuild_hdf5_open(path)
        guard file >= 0 else { return "not a readable HDF5 file" }
        defer { dbuild_hdf5_close(file) }
        for check in checks {
            switch check.kind {
            case .group:
                if dbuild_hdf5_object_kind(file, check.path) != 1 { return "no \(check.text)" }
            case .dataset:
                var dims = [UInt64](repeating: 0, count: 32)
                var kind: Int32 = 0, bits: Int32 = 0, signed: Int32 = 0
                guard dbuild_hdf5_object_kind(file, check.path) == 2 else { return "no \(check.text)" }
                let rank = dbuild_hdf5_dataset_info(file, check.path, &dims, &kind, &bits, &signed)
                guard rank >= 0 else { return "no \(check.text)" }
                let shape = dims.prefix(Int(rank)).map { Int($0) }
                let dtype = switch kind {
                case 1: "float\(bits)"
                case 0: (signed != 0 ? "int" : "uint") + "\(bits)"
                case 3: "string"
                default: "other"
                }
                if !check.shape.isEmpty && shape != check.shape { return "dataset \(check.path) has shape \(shape), expected \(check.shape)" }
                if !check.dtype.isEmpty && dtype != check.dtype { return "dataset \(check.path) is \(dtype), expected \(check.dtype)" }
            case .attribute:
                let owner = check.owner.isEmpty ? "/" : check.owner
                if owner != "/" && dbuild_hdf5_object_kind(file, owner) == 0 { return "no \(check.text)" }
                if dbuild_hdf5_has_attribute(file, owner, check.path) == 0 { return "no \(check.text)" }
            }
        }
        return nil
    }
}

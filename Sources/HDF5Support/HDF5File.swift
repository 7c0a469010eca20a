import CHDF5
import Foundation

/// A problem with an input or output file, worded for the person running the pipeline.
public struct SynthError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// An HDF5 file, written so that the same content gives the same bytes: object modification times
/// are not recorded, so hash-based staleness sees a regenerated product as unchanged.
public final class HDF5File {
    private let id: hid_t
    public let path: String
    var handle: hid_t { id }

    private init(id: hid_t, path: String) {
        self.id = id
        self.path = path
    }

    deinit { H5Fclose(id) }

    /// Creates (or truncates) a file.
    public static func create(_ path: String) throws -> HDF5File {
        dsynth_silence_errors()
        let id = H5Fcreate(path, dsynth_truncate(), dsynth_default(), dsynth_default())
        guard id >= 0 else { throw SynthError("cannot create HDF5 file \(path)") }
        return HDF5File(id: id, path: path)
    }

    /// Opens an existing file read-only, with a clear error when it is missing or not HDF5.
    public static func open(_ path: String) throws -> HDF5File {
        dsynth_silence_errors()
        guard FileManager.default.fileExists(atPath: path) else { throw SynthError("\(path): no such file") }
        guard H5Fis_hdf5(path) > 0 else { throw SynthError("\(path): not an HDF5 file (truncated or corrupt?)") }
        let id = H5Fopen(path, dsynth_read_only(), dsynth_default())
        guard id >= 0 else { throw SynthError("\(path): cannot be opened as HDF5") }
        return HDF5File(id: id, path: path)
    }

    // MARK: datasets

    /// Writes a dataset of doubles; `chunked` stores it in chunks of one leading-dimension slice,
    /// deflate-compressed.
    public func write(_ name: String, _ values: [Double], shape: [Int], chunked: Bool = false) throws {
        try write(name, values, shape: shape, type: dsynth_native_double(), chunked: chunked)
    }

    public func write(_ name: String, _ values: [Int64], shape: [Int]) throws {
        try write(name, values, shape: shape, type: dsynth_native_int64(), chunked: false)
    }

    private func write<T>(_ name: String, _ values: [T], shape: [Int], type: hid_t, chunked: Bool) throws {
        precondition(values.count == shape.reduce(1, *), "dataset \(name): \(values.count) values for shape \(shape)")
        var dims = shape.map { hsize_t($0) }
        let space = H5Screate_simple(Int32(dims.count), &dims, nil)
        defer { H5Sclose(space) }
        let properties = H5Pcreate(dsynth_dataset_create())
        defer { H5Pclose(properties) }
        H5Pset_obj_track_times(properties, false)
        if chunked {
            var chunk = dims
            chunk[0] = 1
            H5Pset_chunk(properties, Int32(chunk.count), &chunk)
            H5Pset_deflate(properties, 4)
        }
        let dataset = H5Dcreate2(id, name, type, space, dsynth_default(), properties, dsynth_default())
        guard dataset >= 0 else { throw SynthError("\(path): cannot create dataset \(name)") }
        defer { H5Dclose(dataset) }
        let status = values.withUnsafeBytes { H5Dwrite(dataset, type, dsynth_all(), dsynth_all(), dsynth_default(), $0.baseAddress) }
        guard status >= 0 else { throw SynthError("\(path): cannot write dataset \(name)") }
    }

    /// The dataset's values and shape; an error naming the file and dataset when it is absent.
    public func readDoubles(_ name: String) throws -> (values: [Double], shape: [Int]) {
        try read(name, type: dsynth_native_double(), zero: 0.0)
    }

    public func readInts(_ name: String) throws -> (values: [Int64], shape: [Int]) {
        try read(name, type: dsynth_native_int64(), zero: Int64(0))
    }

    private func read<T>(_ name: String, type: hid_t, zero: T) throws -> (values: [T], shape: [Int]) {
        guard H5Lexists(id, name, dsynth_default()) > 0 else { throw SynthError("\(path): has no dataset \"\(name)\"") }
        let dataset = H5Dopen2(id, name, dsynth_default())
        guard dataset >= 0 else { throw SynthError("\(path): cannot open dataset \(name)") }
        defer { H5Dclose(dataset) }
        let shape = Self.shape(of: dataset)
        var values = [T](repeating: zero, count: shape.reduce(1, *))
        let status = values.withUnsafeMutableBytes { H5Dread(dataset, type, dsynth_all(), dsynth_all(), dsynth_default(), $0.baseAddress) }
        guard status >= 0 else { throw SynthError("\(path): cannot read dataset \(name) (corrupt file?)") }
        return (values, shape)
    }

    /// The dimensions of an open dataset.
    static func shape(of dataset: hid_t) -> [Int] {
        let space = H5Dget_space(dataset)
        defer { H5Sclose(space) }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        var dims = [hsize_t](repeating: 0, count: max(rank, 1))
        H5Sget_simple_extent_dims(space, &dims, nil)
        return dims.prefix(rank).map { Int($0) }
    }

    // MARK: attributes (on the file's root group)

    public func setAttribute(_ name: String, _ value: Double) throws {
        var v = value
        try setAttribute(name, type: dsynth_native_double(), &v)
    }

    public func setAttribute(_ name: String, _ value: Int64) throws {
        var v = value
        try setAttribute(name, type: dsynth_native_int64(), &v)
    }

    public func setAttribute(_ name: String, _ value: String) throws {
        let type = H5Tcopy(dsynth_c_string())
        defer { H5Tclose(type) }
        H5Tset_size(type, max(1, value.utf8.count))
        var bytes = Array(value.utf8)
        if bytes.isEmpty { bytes = [0] }
        try setAttribute(name, type: type, &bytes)
    }

    private func setAttribute<T>(_ name: String, type: hid_t, _ value: inout T) throws {
        let space = H5Screate(H5S_SCALAR)
        defer { H5Sclose(space) }
        let attribute = H5Acreate2(id, name, type, space, dsynth_default(), dsynth_default())
        guard attribute >= 0 else { throw SynthError("\(path): cannot create attribute \(name)") }
        defer { H5Aclose(attribute) }
        let status = withUnsafeBytes(of: &value) { H5Awrite(attribute, type, $0.baseAddress) }
        guard status >= 0 else { throw SynthError("\(path): cannot write attribute \(name)") }
    }

    private func setAttribute(_ name: String, type: hid_t, _ bytes: inout [UInt8]) throws {
        let space = H5Screate(H5S_SCALAR)
        defer { H5Sclose(space) }
        let attribute = H5Acreate2(id, name, type, space, dsynth_default(), dsynth_default())
        guard attribute >= 0 else { throw SynthError("\(path): cannot create attribute \(name)") }
        defer { H5Aclose(attribute) }
        let status = bytes.withUnsafeBytes { H5Awrite(attribute, type, $0.baseAddress) }
        guard status >= 0 else { throw SynthError("\(path): cannot write attribute \(name)") }
    }

    public func doubleAttribute(_ name: String) throws -> Double {
        var value = 0.0
        try readAttribute(name, type: dsynth_native_double(), &value)
        return value
    }

    public func intAttribute(_ name: String) throws -> Int64 {
        var value: Int64 = 0
        try readAttribute(name, type: dsynth_native_int64(), &value)
        return value
    }

    private func readAttribute<T>(_ name: String, type: hid_t, _ value: inout T) throws {
        guard H5Aexists(id, name) > 0 else { throw SynthError("\(path): has no attribute \"\(name)\"") }
        let attribute = H5Aopen(id, name, dsynth_default())
        defer { H5Aclose(attribute) }
        guard withUnsafeMutableBytes(of: &value, { H5Aread(attribute, type, $0.baseAddress) }) >= 0 else { throw SynthError("\(path): cannot read attribute \(name)") }
    }
}

/// Writes an HDF5 file under a temporary name and renames it into place: a failed or killed run
/// leaves no half-written product.
public func writeHDF5Atomically(_ path: String, _ body: (HDF5File) throws -> Void) throws {
    try replaceAtomically(path) { temporary in
        let file = try HDF5File.create(temporary)      // closed when it goes out of scope, before the rename
        try body(file)
    }
}

/// Lets `write` fill a temporary file beside `path` (creating the folder), then renames it to `path`;
/// on any failure the temporary file is removed and `path` is left as it was.
public func replaceAtomically(_ path: String, _ write: (String) throws -> Void) throws {
    let directory = (path as NSString).deletingLastPathComponent
    if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
    let temporary = "\(directory.isEmpty ? "." : directory)/.\((path as NSString).lastPathComponent).\(getpid()).tmp"
    do {
        try write(temporary)
    } catch {
        unlink(temporary)
        throw error
    }
    guard rename(temporary, path) == 0 else {
        unlink(temporary)
        throw SynthError("cannot move \(temporary) to \(path)")
    }
}

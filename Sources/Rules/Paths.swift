/// The canonical spelling of a path: no "." components, no repeated or trailing "/", and ".." folded
/// where it can be. Two spellings of one file must compare equal, since outputs are matched by text.
public func normalizedPath(_ path: String) -> String {
    if isPlainRelativePath(path) { return path }     // the common case, a million times per big Datafile
    // A trailing "/" marks a folder (`dir`): kept, once.
    if isFolderPath(path) {
        var folder = Substring(path)
        while folder.count > 1 && folder.hasSuffix("/") { folder = folder.dropLast() }
        let normalized = normalizedPath(String(folder))
        return normalized == "/" || normalized == "." ? normalized : normalized + "/"
    }
    let absolute = path.hasPrefix("/")
    var parts: [Substring] = []
    for part in path.split(separator: "/", omittingEmptySubsequences: true) {
        if part == "." { continue }
        if part == "..", let last = parts.last, last != ".." {
            parts.removeLast()
            continue
        }
        if part == "..", absolute { continue }
        parts.append(part)
    }
    let joined = parts.joined(separator: "/")
    if absolute { return "/" + joined }
    return joined.isEmpty ? "." : joined
}

/// Already canonical: relative, non-empty, and no empty, "." or ".." component (checked bytewise).
private func isPlainRelativePath(_ path: String) -> Bool {
    var previous: UInt8 = UInt8(ascii: "/")        // as if a "/" came before the first component
    var dots = 0                                   // leading dots of the current component, -1 once it has more
    for byte in path.utf8 {
        if byte == UInt8(ascii: "/") {
            if previous == UInt8(ascii: "/") || dots == 1 || dots == 2 { return false }
            dots = 0
        } else if byte == UInt8(ascii: ".") && dots >= 0 && (previous == UInt8(ascii: "/") || previous == UInt8(ascii: ".")) {
            dots += 1
        } else {
            dots = -1
        }
        previous = byte
    }
    return previous != UInt8(ascii: "/") && dots != 1 && dots != 2
}

/// An input judged by presence only: it must exist, but its mtime and content never make a step
/// stale — reference data that copies and syncs touch (`existing("ref/genome.fa")`).
///
///     s.inputs = [existing("ref/genome.fa"), "reads/\(s.sample).fq"]
public func existing(_ path: String) -> String {
    DatafileBuilder.shared.presenceOnly.insert(normalizedPath(path))
    return path
}

/// A folder product (or input), whole: a Zarr store, a Parquet dataset, a folder of FITS files.
/// Its identity is its tree (each file's relative path, size and mtime; their content for hash
/// rules): a file added, removed or changed inside makes its step stale. dbuild names it with a
/// trailing "/" (`stores/m1.zarr/`); recipes get it without.
///
///     s.outputs = [dir("stores/\(s.model).zarr")]          // or dir(data["stores/…"]) under a root
public func dir(_ path: String) -> String {
    let folder = normalizedPath(path.hasSuffix("/") ? path : path + "/")
    DatafileBuilder.shared.folders.insert(folder)
    return folder
}

/// A path that names a folder product: it ends with "/" (see `dir`).
@inline(__always)
public func isFolderPath(_ path: String) -> Bool {
    path.utf8.count > 1 && path.utf8.last == UInt8(ascii: "/")
}

#if canImport(Glibc)
import Glibc
#endif

// Parameters that live in data: helpers for the common sources, in Glibc only (the Rules module
// stays Foundation-free, so a Datafile compiles fast). What they read is recorded like any read of
// the evaluation: a changed file, listing or variable makes dbuild evaluate the Datafile again.
// Relative paths are the Datafile's folder's (the evaluator runs there).

/// The lines of a text file, trimmed, without empty lines and `#` comments: a target list.
public func lines(of path: String, file: String = #filePath, line: Int = #line) -> [String] {
    readText(path, Declaration(file: file, line: line)).split(separator: "\n").compactMap { raw in
        let text = trimmed(raw)
        return text.isEmpty || text.hasPrefix("#") ? nil : text
    }
}

/// The rows of a CSV (or, with `separator: "\t"`, TSV) file whose first line names the columns:
/// one dictionary per row, column → value. Quoting is not interpreted: values hold no separators.
public func rows(of path: String, separator: Character = ",", file: String = #filePath, line: Int = #line) -> [[String: String]] {
    let here = Declaration(file: file, line: line)
    let all = readText(path, here).split(separator: "\n").map(trimmed).filter { !$0.isEmpty }
    guard let header = all.first else { return [] }
    let columns = header.split(separator: separator, omittingEmptySubsequences: false).map(trimmed)
    return all.dropFirst().enumerated().map { index, row in
        let values = row.split(separator: separator, omittingEmptySubsequences: false).map(trimmed)
        guard values.count == columns.count else {
            here.fail("\(path), line \(index + 2): \(values.count) values for \(columns.count) columns (\(columns.joined(separator: ", ")))")
        }
        return Dictionary(zip(columns, values), uniquingKeysWith: { first, _ in first })
    }
}

/// Paths matching a shell pattern (`raw/*.fits`, `data/run_??/cat.txt`), sorted; none is no error.
public func glob(_ pattern: String) -> [String] {
    var found = glob_t()
    defer { globfree(&found) }
    let matches = Glibc.glob(pattern, 0, nil, &found) == 0
        ? (0..<Int(found.gl_pathc)).compactMap { found.gl_pathv[$0].map { String(cString: $0) } }.sorted() : []
    // glob lists folders inside the C library, where the evaluator's recorder does not see it: the
    // folders whose names the result depends on are listed again here, where it does.
    let parts = pattern.split(separator: "/", omittingEmptySubsequences: false)
    let wild = parts.indices.filter { parts[$0].contains(where: { "*?[".contains($0) }) }
    var folders = Set<String>()
    if let first = wild.first { folders.insert(first == 0 ? "." : parts[..<first].joined(separator: "/")) }
    for match in matches {
        let components = match.split(separator: "/", omittingEmptySubsequences: false)
        for depth in wild.dropFirst() where depth <= components.count { folders.insert(components[..<depth].joined(separator: "/")) }
    }
    for folder in folders.sorted() { if let listing = opendir(folder.isEmpty ? "/" : folder) { closedir(listing) } }
    return matches
}

/// An environment variable, or `default` when it is not set.
public func environment(_ name: String, default fallback: String) -> String {
    getenv(name).map { String(cString: $0) } ?? fallback
}

private func readText(_ path: String, _ here: Declaration) -> String {
    guard let file = fopen(path, "r") else {
        here.fail("cannot read \(path): \(String(cString: strerror(errno))) (relative paths are the Datafile's folder's)")
    }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = fread(&buffer, 1, buffer.count, file)
        if n <= 0 { break }
        bytes += buffer[0..<n]
    }
    return String(decoding: bytes, as: UTF8.self)
}

private func trimmed<S: StringProtocol>(_ text: S) -> String {
    let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
    return String(text.drop(while: isSpace).reversed().drop(while: isSpace).reversed())
}

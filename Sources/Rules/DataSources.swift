#if canImport(Glibc)
import Glibc
#endif

// Parameters that live in data: helpers for the common sources, in Glibc only (the Rules module
// stays Foundation-free, so a Datafile compiles fast). What they read is recorded like any read of
// the evaluation: a changed file, listing or variable makes dbuild evaluate the Datafile again.
// Relative paths are the Datafile's folder's (the evaluator runs there).

/// The lines of a text file, trimmed, without empty lines and `#` comments: a target list.
/// `whenMissing` is what a file that does not exist yet gives (a list a step of this Datafile
/// writes: `dbuild all` makes it first, then evaluates the Datafile again); without it, a missing
/// file is an error.
public func lines(of path: String, whenMissing: [String]? = nil, file: String = #filePath, line: Int = #line) -> [String] {
    if let whenMissing, access(path, F_OK) != 0 { _ = fopen(path, "r"); return whenMissing }   // the attempt is recorded
    return readText(path, Declaration(file: file, line: line)).split(separator: "\n").compactMap { raw in
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

func readText(_ path: String, _ here: Declaration) -> String {
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

/// The rows a SQLite query returns from a database file (an archive's inventory): one dictionary
/// per row, column → value as text (NULL → ""). The file is opened read-only; SQLite is loaded
/// when first asked for (libsqlite3, as dbuild itself uses), so Datafiles that do not query do
/// not link it.
public func query(sqlite path: String, _ sql: String, file: String = #filePath, line: Int = #line) -> [[String: String]] {
    let here = Declaration(file: file, line: line)
    guard let api = SQLiteAPI.shared else {
        here.fail("cannot load libsqlite3 (install libsqlite3-0) to query \(path)")
    }
    var db: OpaquePointer?
    guard api.open(path, &db, 0x00000001 /* SQLITE_OPEN_READONLY */, nil) == 0, let db else {
        here.fail("cannot open \(path) as a SQLite database (relative paths are the Datafile's folder's)")
    }
    defer { _ = api.close(db) }
    var statement: OpaquePointer?
    guard api.prepare(db, sql, -1, &statement, nil) == 0, let statement else {
        here.fail("\(path): \(String(cString: api.errmsg(db))) in: \(sql)")
    }
    defer { _ = api.finalize(statement) }
    let columns = (0..<api.columnCount(statement)).map { String(cString: api.columnName(statement, $0)) }
    var rows: [[String: String]] = []
    while true {
        let rc = api.step(statement)
        if rc == 101 { break }                                           // SQLITE_DONE
        guard rc == 100 else { here.fail("\(path): \(String(cString: api.errmsg(db))) in: \(sql)") }   // SQLITE_ROW
        var row: [String: String] = [:]
        for (i, column) in columns.enumerated() {
            row[column] = api.columnText(statement, Int32(i)).map { String(cString: $0) } ?? ""
        }
        rows.append(row)
    }
    return rows
}

/// The few SQLite functions `query` uses, looked up in libsqlite3 at run time.
private struct SQLiteAPI {
    typealias Open = @convention(c) (UnsafePointer<CChar>, UnsafeMutablePointer<OpaquePointer?>, Int32, UnsafePointer<CChar>?) -> Int32
    typealias Prepare = @convention(c) (OpaquePointer, UnsafePointer<CChar>, Int32, UnsafeMutablePointer<OpaquePointer?>,
                                        UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> Int32
    typealias Step = @convention(c) (OpaquePointer) -> Int32
    typealias ColumnCount = @convention(c) (OpaquePointer) -> Int32
    typealias ColumnName = @convention(c) (OpaquePointer, Int32) -> UnsafePointer<CChar>
    typealias ColumnText = @convention(c) (OpaquePointer, Int32) -> UnsafePointer<UInt8>?
    typealias ErrorMessage = @convention(c) (OpaquePointer) -> UnsafePointer<CChar>

    let open: Open, prepare: Prepare, step: Step, finalize: Step, close: Step
    let columnCount: ColumnCount, columnName: ColumnName, errmsg: ErrorMessage
    let text: ColumnText

    func columnText(_ statement: OpaquePointer, _ i: Int32) -> UnsafePointer<CChar>? {
        text(statement, i).map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }
    }

    static let shared: SQLiteAPI? = {
        guard let library = dlopen("libsqlite3.so.0", RTLD_NOW) ?? dlopen("libsqlite3.so", RTLD_NOW) else { return nil }
        func symbol<T>(_ name: String, _ type: T.Type) -> T? { dlsym(library, name).map { unsafeBitCast($0, to: type) } }
        guard let open = symbol("sqlite3_open_v2", Open.self), let prepare = symbol("sqlite3_prepare_v2", Prepare.self),
              let step = symbol("sqlite3_step", Step.self), let finalize = symbol("sqlite3_finalize", Step.self),
              let close = symbol("sqlite3_close", Step.self), let count = symbol("sqlite3_column_count", ColumnCount.self),
              let name = symbol("sqlite3_column_name", ColumnName.self), let text = symbol("sqlite3_column_text", ColumnText.self),
              let errmsg = symbol("sqlite3_errmsg", ErrorMessage.self) else { return nil }
        return SQLiteAPI(open: open, prepare: prepare, step: step, finalize: finalize, close: close, columnCount: count,
                         columnName: name, errmsg: errmsg, text: text)
    }()
}

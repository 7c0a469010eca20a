import CSQLite

/// A failed SQLite call, with SQLite's own message and the statement or file involved.
public struct SQLiteError: Error, CustomStringConvertible {
    public let code: Int32
    public let description: String
}

private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A thin wrapper over one sqlite3 connection: enough for the state store, nothing more.
final class SQLiteDatabase {
    private var handle: OpaquePointer?

    init(path: String, readOnly: Bool) throws {
        let flags = readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        let rc = sqlite3_open_v2(path, &handle, flags | SQLITE_OPEN_NOMUTEX, nil)
        if rc != SQLITE_OK {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(handle)
            handle = nil
            throw SQLiteError(code: rc, description: "\(path): \(message)")
        }
        sqlite3_busy_timeout(handle, 10_000)
    }

    deinit { sqlite3_close_v2(handle) }

    func execute(_ sql: String) throws {
        var error: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &error)
        if rc != SQLITE_OK {
            let message = error.map { String(cString: $0) } ?? "error \(rc)"
            sqlite3_free(error)
            throw SQLiteError(code: rc, description: message)
        }
    }

    func prepare(_ sql: String) throws -> SQLiteStatement {
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard rc == SQLITE_OK, let statement else {
            throw SQLiteError(code: rc, description: "\(String(cString: sqlite3_errmsg(handle))) in: \(sql)")
        }
        return SQLiteStatement(statement, database: handle)
    }

    func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }
}

/// A prepared statement; `reset()` before re-binding.
final class SQLiteStatement {
    private let statement: OpaquePointer
    private let database: OpaquePointer?

    init(_ statement: OpaquePointer, database: OpaquePointer?) {
        self.statement = statement
        self.database = database
    }

    deinit { sqlite3_finalize(statement) }

    func reset() {
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
    }

    func bind(_ index: Int32, _ value: String) { sqlite3_bind_text(statement, index, value, -1, transient) }
    func bind(_ index: Int32, _ value: Int64) { sqlite3_bind_int64(statement, index, value) }
    func bind(_ index: Int32, _ value: Double) { sqlite3_bind_double(statement, index, value) }
    func bind(_ index: Int32, _ value: [UInt8]) {
        _ = value.withUnsafeBytes { sqlite3_bind_blob(statement, index, $0.baseAddress, Int32($0.count), transient) }
    }

    /// Advances one row: true while a row is available.
    func step() throws -> Bool {
        let rc = sqlite3_step(statement)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        throw SQLiteError(code: rc, description: String(cString: sqlite3_errmsg(database)))
    }

    func run() throws {
        defer { reset() }
        while try step() {}
    }

    func string(_ column: Int32) -> String {
        guard let text = sqlite3_column_text(statement, column) else { return "" }
        return String(cString: text)
    }
    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }
    func double(_ column: Int32) -> Double { sqlite3_column_double(statement, column) }
    func bytes(_ column: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(statement, column))
        guard count > 0, let pointer = sqlite3_column_blob(statement, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }
    /// A blob of little-endian 64-bit words, decoded straight into one array (no byte copy first).
    func words<Word: FixedWidthInteger>(_ column: Int32, as: Word.Type = Word.self) -> [Word] {
        let count = Int(sqlite3_column_bytes(statement, column)) / 8
        guard count > 0, let pointer = sqlite3_column_blob(statement, column) else { return [] }
        let raw = UnsafeRawPointer(pointer)
        return (0..<count).map { Word(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: Word.self)) }
    }
}

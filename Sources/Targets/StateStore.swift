#if canImport(Glibc)
import Glibc
#endif

/// What dbuild remembers about one step's last successful build.
public struct StepRecord: Equatable, Sendable {
    /// Hash of the recipe text, parameters, input and output paths (see `StepSignature`).
    public var signature: UInt64
    /// Content hashes of the inputs, in declaration order, when the rule's policy is `hash`.
    public var inputHashes: [UInt64]
    /// Content hashes of the outputs, when the rule's policy is `hash` (for early cutoff).
    public var outputHashes: [UInt64]
    /// Size and then mtime (ns) of each output when the step finished: an output changed since
    /// (truncated, overwritten by hand) makes the step stale. One array, not two: a no-op loads one
    /// record per step, and each array is an allocation.
    public var outputFacts: [Int64]
    public var finishedAt: Double
    public var duration: Double

    public init(signature: UInt64, inputHashes: [UInt64] = [], outputHashes: [UInt64] = [],
                outputSizes: [Int64] = [], outputMtimes: [Int64] = [], finishedAt: Double = 0, duration: Double = 0) {
        self.outputFacts = outputSizes + outputMtimes
        self.signature = signature
        self.inputHashes = inputHashes
        self.outputHashes = outputHashes
        self.finishedAt = finishedAt
        self.duration = duration
    }

    init(signature: UInt64, inputHashes: [UInt64], outputHashes: [UInt64], outputFacts: [Int64],
         finishedAt: Double, duration: Double) {
        self.signature = signature
        self.inputHashes = inputHashes
        self.outputHashes = outputHashes
        self.outputFacts = outputFacts
        self.finishedAt = finishedAt
        self.duration = duration
    }

    public var outputCount: Int { outputFacts.count / 2 }
    public func outputSize(_ i: Int) -> Int64 { outputFacts[i] }
    public func outputMtime(_ i: Int) -> Int64 { outputFacts[outputCount + i] }
}

/// The last failure of a step, for `dbuild status` and the build summary.
public struct FailureRecord: Equatable, Sendable {
    public var exitStatus: Int
    public var logPath: String
    public var message: String
    public var failedAt: Double

    public init(exitStatus: Int, logPath: String, message: String, failedAt: Double) {
        self.exitStatus = exitStatus
        self.logPath = logPath
        self.message = message
        self.failedAt = failedAt
    }
}

// Schema, version 2. One row per step that last built successfully (`steps`), per step started and not
// yet finished (`running`: after a crash, the outputs that differ from `before` — their size, mtime
// and inode when the attempt started — are removed; the others were never touched), per file whose content hash is
// cached (`file_hashes`, valid while size, mtime and inode match) and per step whose last run failed.
// Each finished step is its own transaction, so killing dbuild loses at most the steps still running.
// `step_runs` keeps when and where each step ran, per build (the report's timeline).
// Batch submissions: `submissions` (one folder each under .dbuild/slurm), `submitted_arrays` (a job id
// recorded the moment sbatch returns it) and `submitted_steps` (steps handed to the scheduler whose
// result has not been ingested yet: they must not be submitted twice). `blocked`: steps that did not
// run because a step they need failed (shown by `status`; cleared when the step succeeds).
// `step_usage`: each step's last successful run's seconds and peak memory (requests fitted from
// history); added without a version change — a store without it reads as having no usage.
// `attempts` (StateStore+Attempts): how often a checkpointing step has started and how its last
// attempt ended (DBUILD_ATTEMPT, DBUILD_PREVIOUS_EXIT); added the same way, created when first written.
// Version 2 added `running.before` and `blocked`; a version-1 file is upgraded when opened for writing.
private let schemaVersion = 2
private let schema = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS steps(name TEXT PRIMARY KEY, signature INTEGER NOT NULL,
    input_hashes BLOB, output_hashes BLOB, output_facts BLOB, finished_at REAL NOT NULL, duration REAL NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS running(name TEXT PRIMARY KEY, started_at REAL NOT NULL, pid INTEGER NOT NULL, before BLOB) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS file_hashes(path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    inode INTEGER NOT NULL, hash INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS failures(name TEXT PRIMARY KEY, exit_status INTEGER NOT NULL, log_path TEXT NOT NULL,
    message TEXT NOT NULL, failed_at REAL NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS submissions(id TEXT PRIMARY KEY, folder TEXT NOT NULL, created_at REAL NOT NULL,
    finished INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS submitted_arrays(submission TEXT NOT NULL, array INTEGER NOT NULL, rule TEXT NOT NULL,
    job_id TEXT NOT NULL, tasks INTEGER NOT NULL, PRIMARY KEY(submission, array)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS step_runs(build TEXT NOT NULL, name TEXT NOT NULL, rule TEXT NOT NULL, started_at REAL NOT NULL,
    finished_at REAL NOT NULL, host TEXT NOT NULL, outcome TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS step_runs_by_build ON step_runs(build);
CREATE TABLE IF NOT EXISTS submitted_steps(name TEXT PRIMARY KEY, submission TEXT NOT NULL, array INTEGER NOT NULL,
    task INTEGER NOT NULL, attempt INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blocked(name TEXT PRIMARY KEY, blocker TEXT NOT NULL, at REAL NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS step_usage(name TEXT PRIMARY KEY, rule TEXT NOT NULL, seconds REAL NOT NULL, peak_kb INTEGER NOT NULL) WITHOUT ROWID;
"""

/// The state database could not be used; the message says why and what to do.
public struct StateStoreError: Error, CustomStringConvertible {
    public let description: String
}

/// `.dbuild/state.db`: step records, interrupted steps, cached content hashes, failures.
/// Only the dbuild process the user started writes it.
public final class StateStore {
    let database: SQLiteDatabase
    public let path: String
    public let isReadOnly: Bool

    /// Opens (and creates, unless `readOnly`) the store. A read-only open of a missing file gives an
    /// empty in-memory store, so that a dry run creates nothing.
    public init(path: String, readOnly: Bool = false) throws {
        self.path = path
        self.isReadOnly = readOnly
        let exists = access(path, F_OK) == 0
        do {
            if readOnly && !exists {
                database = try SQLiteDatabase(path: ":memory:", readOnly: false)
                try database.execute(schema + Self.attemptsSchema)
                return
            }
            database = try SQLiteDatabase(path: path, readOnly: readOnly)
            if !readOnly {
                try database.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
                try database.execute(schema + Self.attemptsSchema)
            }
            try checkVersion()
        } catch let error as SQLiteError {
            throw StateStoreError(description: "\(path) cannot be read as dbuild state (\(error.description))")
        }
    }

    /// A writer leaves the file in rollback-journal mode, so that a later read-only open (a dry run,
    /// `verify`) finds no WAL to replay and creates no -wal/-shm files beside it.
    deinit {
        if !isReadOnly { try? database.execute("PRAGMA journal_mode=DELETE") }
    }

    private func checkVersion() throws {
        let read = try database.prepare("SELECT value FROM meta WHERE key = 'schema_version'")
        if try read.step() {
            let found = Int(read.string(0)) ?? -1
            if found == 1 && !isReadOnly {
                try database.transaction {
                    try database.execute("ALTER TABLE running ADD COLUMN before BLOB")
                    try database.execute("UPDATE meta SET value = '\(schemaVersion)' WHERE key = 'schema_version'")
                }
            } else if found != schemaVersion && found != 1 {
                throw StateStoreError(description: "\(path) has state schema version \(found); this dbuild "
                    + "reads version \(schemaVersion). Use the matching dbuild, or move the file aside")
            }
        } else if !isReadOnly {
            try database.execute("INSERT INTO meta(key, value) VALUES ('schema_version', '\(schemaVersion)')")
        }
    }

    // MARK: steps

    public func loadRecords() throws -> [String: StepRecord] {
        let query = try database.prepare(
            "SELECT name, signature, input_hashes, output_hashes, output_facts, finished_at, duration FROM steps")
        var records: [String: StepRecord] = [:]
        records.reserveCapacity(try count("steps"))
        while try query.step() {
            records[query.string(0)] = StepRecord(
                signature: UInt64(bitPattern: query.int64(1)),
                inputHashes: query.words(2), outputHashes: query.words(3), outputFacts: query.words(4),
                finishedAt: query.double(5), duration: query.double(6))
        }
        return records
    }

    func count(_ table: String) throws -> Int {
        let query = try database.prepare("SELECT count(*) FROM \(table)")
        return try query.step() ? Int(query.int64(0)) : 0
    }

    /// Steps that were started and never reported back: a crash or kill happened while they ran.
    public func loadInterrupted() throws -> Set<String> {
        let query = try database.prepare("SELECT name FROM running")
        var names = Set<String>()
        while try query.step() { names.insert(query.string(0)) }
        return names
    }

    /// Steps marked running, with when they started (a live local build's, or a killed one's).
    public func loadRunning() throws -> [String: Double] {
        let query = try database.prepare("SELECT name, started_at FROM running")
        var result: [String: Double] = [:]
        while try query.step() { result[query.string(0)] = query.double(1) }
        return result
    }

    public func loadFailures() throws -> [String: FailureRecord] {
        let query = try database.prepare("SELECT name, exit_status, log_path, message, failed_at FROM failures")
        var failures: [String: FailureRecord] = [:]
        while try query.step() {
            failures[query.string(0)] = FailureRecord(exitStatus: Int(query.int64(1)), logPath: query.string(2),
                                                      message: query.string(3), failedAt: query.double(4))
        }
        return failures
    }

    private lazy var markStartedStatement = try? database.prepare(
        "INSERT OR REPLACE INTO running(name, started_at, pid, before) VALUES (?, ?, ?, ?)")

    /// Committed before the recipe starts, so a crash leaves a trace that the step's outputs are
    /// suspect — with what they were before (`before`), so that only the ones the attempt touched
    /// are removed. Without a snapshot every output is suspect.
    public func markStarted(_ names: [String], at time: Double, before: [OutputSnapshot?]? = nil) throws {
        guard let statement = markStartedStatement else { throw StateStoreError(description: "cannot prepare") }
        try database.transaction {
            for (i, name) in names.enumerated() {
                statement.bind(1, name); statement.bind(2, time); statement.bind(3, Int64(getpid()))
                if let snapshot = before?[i] { statement.bind(4, Self.blob(snapshot.facts.map { UInt64(bitPattern: $0) })) }
                try statement.run()
            }
        }
    }

    /// What the outputs of steps marked running were before their attempt started.
    /// (Empty for a version-1 file opened read-only, which has no snapshots.)
    public func loadStartSnapshots() throws -> [String: OutputSnapshot] {
        guard let query = try? database.prepare("SELECT name, before FROM running WHERE before IS NOT NULL") else { return [:] }
        var result: [String: OutputSnapshot] = [:]
        while try query.step() { result[query.string(0)] = OutputSnapshot(facts: query.words(1)) }
        return result
    }

    public func recordSuccess(_ name: String, _ record: StepRecord) throws {
        try recordSuccesses([(name, record)])
    }

    /// Records many steps in one transaction (`adopt` of a whole campaign): one commit, not one per step.
    public func recordSuccesses(_ batch: [(name: String, record: StepRecord)]) throws {
        try database.transaction {
            let upsert = try database.prepare("""
                INSERT OR REPLACE INTO steps(name, signature, input_hashes, output_hashes, output_facts, finished_at, duration)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            let clearRunning = try database.prepare("DELETE FROM running WHERE name = ?")
            let clearFailure = try database.prepare("DELETE FROM failures WHERE name = ?")
            let clearAttempts = try database.prepare("DELETE FROM attempts WHERE name = ?")
            let clearBlocked = try database.prepare("DELETE FROM blocked WHERE name = ?")
            for (name, record) in batch {
                upsert.bind(1, name); upsert.bind(2, Int64(bitPattern: record.signature))
                upsert.bind(3, Self.blob(record.inputHashes)); upsert.bind(4, Self.blob(record.outputHashes))
                upsert.bind(5, Self.blob(record.outputFacts.map { UInt64(bitPattern: $0) }))
                upsert.bind(6, record.finishedAt); upsert.bind(7, record.duration)
                try upsert.run()
                clearRunning.bind(1, name); try clearRunning.run()
                clearFailure.bind(1, name); try clearFailure.run()
                clearAttempts.bind(1, name); try clearAttempts.run()
                clearBlocked.bind(1, name); try clearBlocked.run()
            }
        }
    }

    /// A failed attempt. The step's last successful record is kept: the attempt removed what it
    /// touched, so the step is stale exactly as it was before (or more), and its untouched products
    /// keep what is known about them.
    public func recordFailure(_ name: String, _ failure: FailureRecord) throws {
        try database.transaction {
            let insert = try database.prepare("""
                INSERT OR REPLACE INTO failures(name, exit_status, log_path, message, failed_at) VALUES (?, ?, ?, ?, ?)
                """)
            insert.bind(1, name); insert.bind(2, Int64(failure.exitStatus)); insert.bind(3, failure.logPath)
            insert.bind(4, failure.message); insert.bind(5, failure.failedAt)
            try insert.run()
            try delete(name, from: "running")
            try delete(name, from: "blocked")
        }
    }

    /// The step is no longer running (stopped by the user); its record, if any, stays.
    public func clearRunning(_ name: String) throws {
        try delete(name, from: "running")
    }

    /// Forgets a step: its outputs were removed (by `clean`, or after an interruption).
    /// `keepingAttempts`: a checkpointing step that was stopped keeps its count of attempts.
    public func forget(_ names: [String], keepingAttempts: Bool = false) throws {
        let tables = ["steps", "running", "failures", "submitted_steps", "blocked"] + (keepingAttempts ? [] : ["attempts"])
        try database.transaction {
            for name in names {
                for table in tables { try delete(name, from: table) }
            }
        }
    }

    func delete(_ name: String, from table: String) throws {
        let statement = try database.prepare("DELETE FROM \(table) WHERE name = ?")
        statement.bind(1, name)
        try statement.run()
    }

    // MARK: content hash cache

    public func loadHashCache() throws -> [String: CachedHash] {
        let query = try database.prepare("SELECT path, size, mtime_ns, inode, hash FROM file_hashes")
        var cache: [String: CachedHash] = [:]
        while try query.step() {
            cache[query.string(0)] = CachedHash(size: query.int64(1), mtimeNanos: query.int64(2),
                                                inode: UInt64(bitPattern: query.int64(3)),
                                                hash: UInt64(bitPattern: query.int64(4)))
        }
        return cache
    }

    public func saveHashes(_ entries: [String: CachedHash]) throws {
        guard !entries.isEmpty, !isReadOnly else { return }
        try database.transaction {
            let upsert = try database.prepare(
                "INSERT OR REPLACE INTO file_hashes(path, size, mtime_ns, inode, hash) VALUES (?, ?, ?, ?, ?)")
            for (path, entry) in entries {
                upsert.bind(1, path); upsert.bind(2, entry.size); upsert.bind(3, entry.mtimeNanos)
                upsert.bind(4, Int64(bitPattern: entry.inode)); upsert.bind(5, Int64(bitPattern: entry.hash))
                try upsert.run()
            }
        }
    }

    /// SQLite's own consistency check; "ok" when healthy.
    public func integrityCheck() throws -> String {
        let query = try database.prepare("PRAGMA integrity_check")
        return try query.step() ? query.string(0) : "no answer"
    }

    // MARK: encoding

    static func blob(_ hashes: [UInt64]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hashes.count * 8)
        for h in hashes { withUnsafeBytes(of: h.littleEndian) { bytes.append(contentsOf: $0) } }
        return bytes
    }
}

/// Attempts of checkpointing steps since their last success: how many were started and how the
/// last one ended (set to "interrupted" as it starts, so a dbuild killed meanwhile leaves that).
public struct AttemptRecord: Equatable, Sendable {
    public var count: Int
    public var lastEnd: String

    public init(count: Int, lastEnd: String) {
        self.count = count
        self.lastEnd = lastEnd
    }
}

extension StateStore {
    static let attemptsSchema = """
        CREATE TABLE IF NOT EXISTS attempts(name TEXT PRIMARY KEY, count INTEGER NOT NULL, last_end TEXT NOT NULL) WITHOUT ROWID;
        """

    public func attempt(of name: String) throws -> AttemptRecord? {
        let query = try database.prepare("SELECT count, last_end FROM attempts WHERE name = ?")
        query.bind(1, name)
        return try query.step() ? AttemptRecord(count: Int(query.int64(0)), lastEnd: query.string(1)) : nil
    }

    public func noteAttemptsStarted(_ names: [String]) throws {
        guard !names.isEmpty else { return }
        try database.transaction {
            let upsert = try database.prepare("""
                INSERT INTO attempts(name, count, last_end) VALUES (?, 1, 'interrupted: dbuild stopped while it ran')
                ON CONFLICT(name) DO UPDATE SET count = count + 1, last_end = 'interrupted: dbuild stopped while it ran'
                """)
            for name in names { upsert.bind(1, name); try upsert.run() }
        }
    }

    public func noteAttemptEnded(_ name: String, _ end: String) throws {
        let update = try database.prepare("UPDATE attempts SET last_end = ? WHERE name = ?")
        update.bind(1, end); update.bind(2, name)
        try update.run()
    }

    /// After a step that did not finish has been recorded (failed or forgotten): files a rule keeps
    /// exist but are no product, so the step stays marked to run; a checkpointing step also
    /// remembers how this attempt ended. Shared by the local builder and the SLURM tracker.
    public func noteUnfinished(_ name: String, keepsFiles: Bool, checkpointing: Bool, end: String, at time: Double) throws {
        if keepsFiles { try markStarted([name], at: time) }
        if checkpointing { try noteAttemptEnded(name, end) }
    }
}

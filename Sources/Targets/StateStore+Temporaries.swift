#if canImport(Glibc)
import Glibc
#endif

/// Steps of `.temporary()` rules whose outputs dbuild removed on purpose once everything that reads
/// them had succeeded (`removed_temporaries`): a missing output of such a step is no reason to run
/// it. Added without a version change; a store without the table has none.
extension StateStore {
    static let temporariesSchema = """
        CREATE TABLE IF NOT EXISTS removed_temporaries(name TEXT PRIMARY KEY, removed_at REAL NOT NULL) WITHOUT ROWID;
        """

    public func markTemporariesRemoved(_ names: [String], at time: Double) throws {
        guard !names.isEmpty else { return }
        try database.execute(Self.temporariesSchema)
        try database.transaction {
            let insert = try database.prepare("INSERT OR REPLACE INTO removed_temporaries(name, removed_at) VALUES (?, ?)")
            for name in names {
                insert.bind(1, name); insert.bind(2, time)
                try insert.run()
            }
        }
    }

    public func loadRemovedTemporaries() -> Set<String> {
        guard let query = try? database.prepare("SELECT name FROM removed_temporaries") else { return [] }
        var names = Set<String>()
        while (try? query.step()) == true { names.insert(query.string(0)) }
        return names
    }
}

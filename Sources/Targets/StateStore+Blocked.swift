/// A step that did not run because a step it needs failed (or never ran).
public struct BlockedRecord: Equatable, Sendable {
    /// The step whose failure blocked it, or what was missing.
    public var blocker: String
    public var at: Double

    public init(blocker: String, at: Double) {
        self.blocker = blocker
        self.at = at
    }
}

extension StateStore {
    /// Blocked steps are not failures: nothing of theirs ran, and none of their files was touched.
    /// `replacing: false` keeps what an earlier note of the same blocking said (the engine names the
    /// failed step; a scheduler's cancel, reported later, knows less).
    public func recordBlocked(_ names: [(name: String, blocker: String)], at time: Double, replacing: Bool = true) throws {
        guard !names.isEmpty else { return }
        try database.transaction {
            let insert = try database.prepare("INSERT OR \(replacing ? "REPLACE" : "IGNORE") INTO blocked(name, blocker, at) VALUES (?, ?, ?)")
            for (name, blocker) in names {
                insert.bind(1, name); insert.bind(2, blocker); insert.bind(3, time)
                try insert.run()
            }
        }
    }

    /// (Empty for a version-1 file opened read-only, which has no such table.)
    public func loadBlocked() throws -> [String: BlockedRecord] {
        guard let query = try? database.prepare("SELECT name, blocker, at FROM blocked") else { return [:] }
        var result: [String: BlockedRecord] = [:]
        while try query.step() { result[query.string(0)] = BlockedRecord(blocker: query.string(1), at: query.double(2)) }
        return result
    }

    /// The step ran again or was settled otherwise: it is no longer blocked.
    public func clearBlocked(_ name: String) throws {
        try delete(name, from: "blocked")
    }
}

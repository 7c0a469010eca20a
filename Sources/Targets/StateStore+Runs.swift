/// One run of one step: when, where, how it ended. The history behind the report's timeline and
/// the progress line's estimates.
public struct StepRun: Equatable, Sendable {
    public var build: String
    public var name: String
    public var rule: String
    public var startedAt: Double
    public var finishedAt: Double
    public var host: String
    /// done, failed or stopped.
    public var outcome: String

    public init(build: String, name: String, rule: String, startedAt: Double, finishedAt: Double, host: String, outcome: String) {
        self.build = build
        self.name = name
        self.rule = rule
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.host = host
        self.outcome = outcome
    }
}

extension StateStore {
    public func recordRun(_ run: StepRun) throws {
        let insert = try database.prepare("""
            INSERT INTO step_runs(build, name, rule, started_at, finished_at, host, outcome) VALUES (?, ?, ?, ?, ?, ?, ?)
            """)
        insert.bind(1, run.build); insert.bind(2, run.name); insert.bind(3, run.rule); insert.bind(4, run.startedAt)
        insert.bind(5, run.finishedAt); insert.bind(6, run.host); insert.bind(7, run.outcome)
        try insert.run()
    }

    /// Every recorded run of one step, oldest first (`log --all` labels each log with how its run ended).
    public func loadRuns(of name: String) throws -> [StepRun] {
        try runs(where: "name = ?", equals: name, orderedBy: "finished_at")
    }

    /// The runs of the most recent build (the one whose latest step finished last).
    public func loadLatestBuildRuns() throws -> [StepRun] {
        let latest = try database.prepare("SELECT build FROM step_runs ORDER BY finished_at DESC LIMIT 1")
        guard try latest.step() else { return [] }
        return try runs(where: "build = ?", equals: latest.string(0), orderedBy: "started_at")
    }

    private func runs(where condition: String, equals value: String, orderedBy order: String) throws -> [StepRun] {
        let query = try database.prepare(
            "SELECT build, name, rule, started_at, finished_at, host, outcome FROM step_runs WHERE \(condition) ORDER BY \(order)")
        query.bind(1, value)
        var runs: [StepRun] = []
        while try query.step() {
            runs.append(StepRun(build: query.string(0), name: query.string(1), rule: query.string(2), startedAt: query.double(3),
                                finishedAt: query.double(4), host: query.string(5), outcome: query.string(6)))
        }
        return runs
    }

    /// Seconds spent running each rule's steps, over every recorded run (failed ones included: they
    /// used the cores too), and how many runs.
    public func runSecondsByRule() throws -> [String: (seconds: Double, runs: Int)] {
        let query = try database.prepare("SELECT rule, SUM(finished_at - started_at), COUNT(*) FROM step_runs GROUP BY rule")
        var result: [String: (Double, Int)] = [:]
        while try query.step() { result[query.string(0)] = (max(0, query.double(1)), Int(query.int64(2))) }
        return result
    }
}

/// What one successful run of a step used.
public struct StepUsage: Equatable, Sendable {
    public var seconds: Double
    public var peakKB: Int

    public init(seconds: Double, peakKB: Int) {
        self.seconds = seconds
        self.peakKB = peakKB
    }
}

extension StateStore {
    /// Keeps what a step's latest successful run used.
    public func recordUsage(name: String, rule: String, _ usage: StepUsage) throws {
        let insert = try database.prepare("INSERT OR REPLACE INTO step_usage(name, rule, seconds, peak_kb) VALUES (?, ?, ?, ?)")
        insert.bind(1, name); insert.bind(2, rule); insert.bind(3, usage.seconds); insert.bind(4, Int64(usage.peakKB))
        try insert.run()
    }

    /// Per rule, what its steps' latest successful runs used (empty for a store older than the table).
    public func loadUsageByRule() -> [String: [StepUsage]] {
        guard let query = try? database.prepare("SELECT rule, seconds, peak_kb FROM step_usage") else { return [:] }
        var result: [String: [StepUsage]] = [:]
        while (try? query.step()) == true {
            result[query.string(0), default: []].append(StepUsage(seconds: query.double(1), peakKB: Int(query.int64(2))))
        }
        return result
    }
}

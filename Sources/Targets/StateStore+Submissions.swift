/// A batch submission dbuild made: its folder and whether all its steps have reported.
public struct SubmissionRecord: Equatable, Sendable {
    public var id: String
    public var folder: String
    public var createdAt: Double
    public var finished: Bool
}

/// One job array of a submission, with the job id sbatch gave it.
public struct SubmittedArray: Equatable, Sendable {
    public var submission: String
    public var array: Int
    public var rule: String
    public var jobID: String
    public var tasks: Int

    public init(submission: String, array: Int, rule: String, jobID: String, tasks: Int) {
        self.submission = submission
        self.array = array
        self.rule = rule
        self.jobID = jobID
        self.tasks = tasks
    }
}

/// A step handed to the scheduler whose result dbuild has not ingested yet.
public struct SubmittedStep: Equatable, Sendable {
    public var name: String
    public var submission: String
    public var array: Int
    public var task: Int
    public var attempt: Int

    public init(name: String, submission: String, array: Int, task: Int, attempt: Int) {
        self.name = name
        self.submission = submission
        self.array = array
        self.task = task
        self.attempt = attempt
    }
}

extension StateStore {
    /// Records a new submission and all its steps, in one transaction, before anything is submitted.
    public func recordSubmission(id: String, folder: String, at time: Double, steps: [SubmittedStep]) throws {
        try database.transaction {
            let insert = try database.prepare("INSERT INTO submissions(id, folder, created_at, finished) VALUES (?, ?, ?, 0)")
            insert.bind(1, id); insert.bind(2, folder); insert.bind(3, time)
            try insert.run()
            let step = try database.prepare(
                "INSERT OR REPLACE INTO submitted_steps(name, submission, array, task, attempt) VALUES (?, ?, ?, ?, ?)")
            for s in steps {
                step.bind(1, s.name); step.bind(2, s.submission); step.bind(3, Int64(s.array))
                step.bind(4, Int64(s.task)); step.bind(5, Int64(s.attempt))
                try step.run()
            }
        }
    }

    /// Committed the moment sbatch returns the job id.
    public func recordArrayJob(_ array: SubmittedArray) throws {
        let insert = try database.prepare(
            "INSERT OR REPLACE INTO submitted_arrays(submission, array, rule, job_id, tasks) VALUES (?, ?, ?, ?, ?)")
        insert.bind(1, array.submission); insert.bind(2, Int64(array.array)); insert.bind(3, array.rule)
        insert.bind(4, array.jobID); insert.bind(5, Int64(array.tasks))
        try insert.run()
    }

    /// Steps of an array that could not be submitted at all: nothing will report for them.
    public func withdrawSubmittedSteps(submission: String, array: Int) throws {
        let delete = try database.prepare("DELETE FROM submitted_steps WHERE submission = ? AND array = ?")
        delete.bind(1, submission); delete.bind(2, Int64(array))
        try delete.run()
    }

    public func loadSubmissions(activeOnly: Bool) throws -> [SubmissionRecord] {
        let query = try database.prepare("SELECT id, folder, created_at, finished FROM submissions"
            + (activeOnly ? " WHERE finished = 0" : "") + " ORDER BY created_at, id")
        var result: [SubmissionRecord] = []
        while try query.step() {
            result.append(SubmissionRecord(id: query.string(0), folder: query.string(1), createdAt: query.double(2),
                                           finished: query.int64(3) != 0))
        }
        return result
    }

    public func loadSubmittedArrays(submission: String) throws -> [SubmittedArray] {
        let query = try database.prepare(
            "SELECT submission, array, rule, job_id, tasks FROM submitted_arrays WHERE submission = ? ORDER BY array")
        query.bind(1, submission)
        var result: [SubmittedArray] = []
        while try query.step() {
            result.append(SubmittedArray(submission: query.string(0), array: Int(query.int64(1)), rule: query.string(2),
                                         jobID: query.string(3), tasks: Int(query.int64(4))))
        }
        return result
    }

    public func loadSubmittedSteps() throws -> [SubmittedStep] {
        let query = try database.prepare("SELECT name, submission, array, task, attempt FROM submitted_steps")
        var result: [SubmittedStep] = []
        while try query.step() {
            result.append(SubmittedStep(name: query.string(0), submission: query.string(1), array: Int(query.int64(2)),
                                        task: Int(query.int64(3)), attempt: Int(query.int64(4))))
        }
        return result
    }

    /// A submitted step's fate is known (its result was ingested, or the scheduler lost it).
    public func settleSubmittedStep(_ name: String) throws {
        try delete(name, from: "submitted_steps")
    }

    public func markSubmissionFinished(_ id: String) throws {
        let update = try database.prepare("UPDATE submissions SET finished = 1 WHERE id = ?")
        update.bind(1, id)
        try update.run()
    }
}

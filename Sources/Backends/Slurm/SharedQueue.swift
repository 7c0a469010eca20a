import Foundation
import Basics

/// The queue as several watchers of one project share it: `status --watch` in three terminals (and a
/// dashboard polling `status --json`) ask squeue at most once per interval between them. The answer
/// is kept in a file (`.dbuild/slurm/queue.json`, written atomically); a look within `maxAge` of it,
/// and after the newest submission (`notBefore`: a queue read before it would miss its jobs), reads
/// the file instead of asking. Within one process the first answer is reused. Everything else goes
/// to the real client.
public final class SharedQueue: SlurmCommands {
    private struct Entry: Codable {
        var status: TaskStatus
        var comment: String
    }

    let client: SlurmCommands
    let file: String
    let maxAge: Double
    let notBefore: Double
    private var answer: [(status: TaskStatus, comment: String)]?
    /// squeue runs this process made (for tests and the benchmark).
    public private(set) var asked = 0

    public init(client: SlurmCommands, file: String, maxAge: Double, notBefore: Double) {
        self.client = client
        self.file = file
        self.maxAge = maxAge
        self.notBefore = notBefore
    }

    public func queue() throws -> [(status: TaskStatus, comment: String)] {
        if let answer { return answer }
        // Watchers that look at the same moment take turns: the second finds the first's answer.
        let lock = open(file + ".lock", O_CREAT | O_RDWR, 0o644)
        if lock >= 0 { _ = flock(lock, LOCK_EX) }
        defer { if lock >= 0 { _ = flock(lock, LOCK_UN); close(lock) } }
        if let kept = fresh() {
            answer = kept
            return kept
        }
        let asked = try client.queue()
        self.asked += 1
        let entries = asked.map { Entry(status: $0.status, comment: $0.comment) }
        try? writeAtomically((try? JSONEncoder().encode(entries)) ?? Data(), to: file)
        answer = asked
        return asked
    }

    private func fresh() -> [(status: TaskStatus, comment: String)]? {
        guard maxAge > 0,
              let written = (try? FileManager.default.attributesOfItem(atPath: file))?[.modificationDate] as? Date,
              written.timeIntervalSince1970 >= notBefore, Date().timeIntervalSince(written) < maxAge,
              let data = FileManager.default.contents(atPath: file),
              let entries = try? JSONDecoder().decode([Entry].self, from: data) else { return nil }
        return entries.map { ($0.status, $0.comment) }
    }

    public func limits() throws -> SlurmLimits { try client.limits() }
    public func submit(script: String, dependency: String?, comment: String, in directory: String) throws -> String {
        try client.submit(script: script, dependency: dependency, comment: comment, in: directory)
    }
    public func jobDetails(_ jobID: String) throws -> [TaskStatus] { try client.jobDetails(jobID) }
    public func cancel(_ jobIDs: [String]) throws { try client.cancel(jobIDs) }
}

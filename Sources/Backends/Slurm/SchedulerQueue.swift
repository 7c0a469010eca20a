import Foundation

/// One array task (or plain job) as the scheduler reports it.
public struct TaskStatus: Codable, Equatable, Sendable {
    public var jobID: String        // the array's job id (or the job's, for a plain job)
    public var task: Int?           // nil for a plain job
    public var state: SlurmState
    public var reason: String
    public var exitCode: String?    // "3:0" from scontrol; squeue has none

    public init(jobID: String, task: Int?, state: SlurmState, reason: String = "", exitCode: String? = nil) {
        self.jobID = jobID
        self.task = task
        self.state = state
        self.reason = reason
        self.exitCode = exitCode
    }

    /// Still in the queue: will run, or is running.
    public var isLive: Bool { state.isLive }

    /// Ended without the task's own failure: dbuild resubmits without counting a retry.
    public var wasPreempted: Bool { state.wasPreempted }

    /// `1234_5`, or `1234` for a plain job.
    public var id: ArrayTaskID { ArrayTaskID(job: jobID, task: task) }
}

/// Parsers for what SLURM's commands print. Pure, and tested against captured real outputs.
public enum SchedulerQueue {
    /// The squeue format dbuild asks for: array job id, task id (or range), state, reason.
    public static let squeueFormat = "%F|%K|%T|%r"

    /// Parses `squeue -h -o "%F|%K|%T|%r"`. Pending array tasks come folded ("4-11%4"); they are
    /// unfolded here, so every task appears once.
    public static func parseSqueue(_ text: String) -> [TaskStatus] {
        var result: [TaskStatus] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 4, !fields[0].isEmpty else { continue }
            if fields[1] == "N/A" || fields[1].isEmpty {
                result.append(TaskStatus(jobID: fields[0], task: nil, state: SlurmState(rawValue: fields[2]), reason: fields[3]))
            } else {
                for task in expandTaskRange(fields[1]) {
                    result.append(TaskStatus(jobID: fields[0], task: task, state: SlurmState(rawValue: fields[2]), reason: fields[3]))
                }
            }
        }
        return result
    }

    /// Parses `scontrol -o show job <id>`: one line per task (or per folded range of tasks that never
    /// started), `Key=Value` words.
    public static func parseScontrolJobs(_ text: String) -> [TaskStatus] {
        var result: [TaskStatus] = []
        for line in text.split(separator: "\n") {
            var fields: [String: String] = [:]
            for word in line.split(separator: " ") {
                guard let eq = word.firstIndex(of: "=") else { continue }
                let key = String(word[..<eq])
                if fields[key] == nil { fields[key] = String(word[word.index(after: eq)...]) }
            }
            guard let state = fields["JobState"] else { continue }
            let reason = fields["Reason"] ?? ""
            if let array = fields["ArrayJobId"], let tasks = fields["ArrayTaskId"] {
                for task in expandTaskRange(tasks) {
                    result.append(TaskStatus(jobID: array, task: task, state: SlurmState(rawValue: state), reason: reason, exitCode: fields["ExitCode"]))
                }
            } else if let job = fields["JobId"] {
                result.append(TaskStatus(jobID: job, task: nil, state: SlurmState(rawValue: state), reason: reason, exitCode: fields["ExitCode"]))
            }
        }
        return result
    }

    /// "0-3,5,7-9%2" → [0, 1, 2, 3, 5, 7, 8, 9]; the throttle after % is dropped.
    public static func expandTaskRange(_ text: String) -> [Int] {
        var body = Substring(text)
        if body.hasPrefix("[") { body = body.dropFirst() }
        if body.hasSuffix("]") { body = body.dropLast() }
        if let percent = body.firstIndex(of: "%") { body = body[..<percent] }
        var tasks: [Int] = []
        for part in body.split(separator: ",") {
            let bounds = part.split(separator: "-").compactMap { Int($0) }
            if bounds.count == 1 { tasks.append(bounds[0]) }
            if bounds.count == 2, bounds[0] <= bounds[1] { tasks += Array(bounds[0]...bounds[1]) }
        }
        return tasks
    }

    /// The job id from `sbatch --parsable` ("123" or "123;cluster").
    public static func parseSubmittedJobID(_ text: String) -> String? {
        let first = text.split(separator: "\n").first.map(String.init) ?? ""
        let id = first.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        return !id.isEmpty && id.allSatisfy(\.isNumber) ? id : nil
    }
}

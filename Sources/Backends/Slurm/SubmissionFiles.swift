import Foundation

/// One step as an array task runs it: everything needed without the Datafile or the state store,
/// since compute nodes have neither.
public struct TaskStep: Codable, Equatable, Sendable {
    public var name: String
    public var command: String
    public var outputs: [String]
    public var log: String
    public var keepOutputs: Bool
    /// The step's signature when submitted, recorded when its result is ingested.
    public var signature: String
    /// Checkpointing rules only: this attempt's number and how the previous one ended (the recipe
    /// gets them as DBUILD_ATTEMPT and DBUILD_PREVIOUS_EXIT).
    public var attempt: Int? = nil
    public var previousExit: String? = nil
}

/// `array-<k>.json` in a submission folder: the steps of each task of one job array.
public struct ArrayManifest: Codable, Equatable, Sendable {
    public var submission: String
    public var projectRoot: String
    public var array: Int
    public var rule: String
    public var tasks: [[TaskStep]]

    public static func path(folder: String, array: Int) -> String { "\(folder)/array-\(array).json" }

    public func write(to folder: String) throws {
        let data = try JSONEncoder().encode(self)
        try writeAtomically(data, to: Self.path(folder: folder, array: array))
    }

    public static func read(folder: String, array: Int) throws -> ArrayManifest {
        let data = try Data(contentsOf: URL(fileURLWithPath: path(folder: folder, array: array)))
        return try JSONDecoder().decode(ArrayManifest.self, from: data)
    }
}

/// What an array task reports for one step: written by the compute node (write, then rename), read
/// by the dbuild process that owns the state store.
public struct StepResult: Codable, Equatable, Sendable {
    public var name: String
    public var array: Int
    public var task: Int
    /// The recipe's exit status, or 128 + signal.
    public var exitStatus: Int
    public var missingOutputs: [String]
    public var seconds: Double
    public var host: String
    public var finishedAt: Double

    public var succeeded: Bool { exitStatus == 0 && missingOutputs.isEmpty }

    public static func folder(_ submission: String) -> String { submission + "/results" }

    public func write(to submission: String, position: Int) throws {
        let data = try JSONEncoder().encode(self)
        try writeAtomically(data, to: "\(Self.folder(submission))/\(array).\(task).\(position).json")
    }

    /// Every result written so far in a submission folder (unreadable files are skipped: a file is
    /// only ever seen whole, since it appears by rename).
    /// The result an earlier run of this same task left for the step at `position` (SLURM reruns a
    /// requeued or preempted task from its start).
    public static func read(from submission: String, array: Int, task: Int, position: Int) -> StepResult? {
        guard let data = FileManager.default.contents(atPath: "\(folder(submission))/\(array).\(task).\(position).json") else { return nil }
        return try? JSONDecoder().decode(StepResult.self, from: data)
    }

    public static func readAll(from submission: String) -> [StepResult] {
        let folder = Self.folder(submission)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".json") }.compactMap { name in
            guard let data = FileManager.default.contents(atPath: folder + "/" + name) else { return nil }
            return try? JSONDecoder().decode(StepResult.self, from: data)
        }
    }
}

/// Writes to a temporary name in the same folder, then renames: readers see all of it or nothing.
public func writeAtomically(_ data: Data, to path: String) throws {
    let folder = (path as NSString).deletingLastPathComponent
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let temporary = "\(folder)/.\((path as NSString).lastPathComponent).\(getpid()).tmp"
    guard FileManager.default.createFile(atPath: temporary, contents: data) else {
        throw SpawnError(description: "cannot write \(temporary)")
    }
    guard rename(temporary, path) == 0 else {
        unlink(temporary)
        throw SpawnError(description: "cannot rename \(temporary) to \(path): \(String(cString: strerror(errno)))")
    }
}

import Foundation
import Basics
import Rules
import Targets

/// A step this one needs, handed to the scheduler too: where its result will appear.
public struct NeededResult: Codable, Equatable, Sendable {
    public var name: String
    /// Its result's locator (`TaskResultFile.locator`): relative to the submission folder for a step
    /// of the same submission, absolute for an earlier one's.
    public var result: String

    public init(name: String, result: String) {
        self.name = name
        self.result = result
    }
}

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
    /// Inputs (and tools): each must exist before the step runs.
    public var inputs: [String]? = nil
    /// Submitted steps this one needs: each must have succeeded (or come out unchanged) first.
    public var needs: [NeededResult]? = nil
    /// Set when the step runs only if what it reads comes out changed.
    public var cutoff: CutoffCheck? = nil
    /// The rule's `expect(minBytes:)`.
    public var minimumBytes: Int? = nil
    /// The rule's `expect(minFiles:)` and `expect(contains:)`, for folder products.
    public var minimumFiles: Int? = nil
    public var requiredEntries: [String]? = nil
    /// Set when the command writes into staging folders (`Staging`, found from the step's name and
    /// outputs): the task moves the outputs into place when the step succeeded, and removes the
    /// staging folders otherwise.
    public var staged: Bool? = nil

    /// The rule's product check, as the manifest carries it.
    public var productCheck: ProductCheck {
        ProductCheck(minimumBytes: minimumBytes ?? 0,
                     folder: FolderExpectation(minimumFiles: minimumFiles ?? 0, requiredEntries: requiredEntries ?? []))
    }
}

/// `array-<k>.json` in a submission folder: the steps of each task of one job array.
public struct ArrayManifest: Codable, Equatable, Sendable {
    public var submission: String
    public var projectRoot: String
    public var array: Int
    public var rule: String
    public var tasks: [[TaskStep]]
    /// A task farm: how many of a task's steps run at once (nil or 1: one after another).
    public var parallel: Int? = nil
    /// Where the Datafile's named roots were when the array was planned (outputs under a root are
    /// checked there, as the recipes write them).
    public var roots: [String: [String]]? = nil

    public static func path(folder: String, array: Int) -> String { "\(folder)/array-\(array).json" }

    public func write(to folder: String) throws {
        try writeAtomically(Data(jsonBytes()), to: Self.path(folder: folder, array: array))
    }

    public static func read(folder: String, array: Int) throws -> ArrayManifest {
        let data = try Data(contentsOf: URL(fileURLWithPath: path(folder: folder, array: array)))
        return try JSONDecoder().decode(ArrayManifest.self, from: data)
    }
}

/// What an array task reports for one step: appended by the compute node to its task's result file
/// (`TaskResultFile`), read by the dbuild process that owns the state store.
public struct StepResult: Codable, Equatable, Sendable {
    public var name: String
    public var array: Int
    public var task: Int
    /// The recipe's exit status, or 128 + signal (0 for a step not run).
    public var exitStatus: Int
    public var missingOutputs: [String]
    public var seconds: Double
    public var host: String
    public var finishedAt: Double
    /// nil: the recipe ran. "unchanged": not run, what it reads is unchanged (early cutoff).
    /// "blocked": not run, a step it needs did not succeed or an input is missing.
    public var kind: String? = nil
    /// Why it was not run.
    public var note: String? = nil
    /// The recipe's peak resident memory in KiB (its processes' largest, from the kernel at wait).
    public var peakKB: Int? = nil

    public var succeeded: Bool { exitStatus == 0 && missingOutputs.isEmpty && kind == nil }
    /// Its dependents may run: it succeeded, or came out unchanged.
    public var satisfiesDependents: Bool { succeeded || kind == "unchanged" }

    public static func folder(_ submission: String) -> String { submission + "/results" }

    /// A result file of the earlier one-file-per-step form (submissions made before the per-task files).
    static func legacyPath(_ submission: String, array: Int, task: Int, position: Int) -> String {
        "\(folder(submission))/\(array).\(task).\(position).json"
    }

    /// What a result holds.
    public enum Reading: Equatable {
        case found(StepResult)
        case absent
        /// Present but not a result (truncated, garbage): the message says what is wrong.
        case unreadable(String)
    }

    /// The result at a locator (`TaskResultFile.locator`, or a legacy per-step file).
    public static func read(locator: String) -> Reading {
        guard let (file, position) = TaskResultFile.split(locator) else { return readLegacy(path: locator) }
        return TaskResults.read(file).reading(position)
    }

    static func readLegacy(path: String) -> Reading {
        guard let data = FileManager.default.contents(atPath: path) else { return .absent }
        do {
            return .found(try JSONDecoder().decode(StepResult.self, from: data))
        } catch {
            return .unreadable("the result file \(path) cannot be read (\(data.count) bytes, not a whole result)")
        }
    }

    /// Every result in a submission folder: the readable ones, and the place and problem of each
    /// unreadable one.
    public static func readAll(from submission: String) -> (results: [StepResult], unreadable: [(array: Int, task: Int, position: Int, why: String)]) {
        let folder = Self.folder(submission)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        var results: [StepResult] = []
        var unreadable: [(Int, Int, Int, String)] = []
        for name in names where !name.hasPrefix(".") {
            if name.hasSuffix(".jsonl") {
                let numbers = name.dropLast(6).split(separator: ".").compactMap { Int($0) }
                guard numbers.count == 2 else { continue }
                let file = TaskResults.read(folder + "/" + name)
                results += file.results.values
                unreadable += file.unreadable.map { (numbers[0], numbers[1], $0.key, $0.value) }
            } else if name.hasSuffix(".json") {
                switch readLegacy(path: folder + "/" + name) {
                case .found(let result): results.append(result)
                case .absent: continue
                case .unreadable(let why):
                    let numbers = name.dropLast(5).split(separator: ".").compactMap { Int($0) }
                    if numbers.count == 3 { unreadable.append((numbers[0], numbers[1], numbers[2], why)) }
                }
            }
        }
        return (results, unreadable)
    }
}

extension TaskResults {
    /// The result at `position`, as a `StepResult.Reading`.
    public func reading(_ position: Int) -> StepResult.Reading {
        if let result = results[position] { return .found(result) }
        if let why = unreadable[position] { return .unreadable(why) }
        return .absent
    }
}

/// Appended by an array task just before it starts a step's recipe, superseded by the step's result:
/// a task that the scheduler ends mid-step leaves it last, so dbuild knows the step started and which
/// of its outputs the attempt touched. No marker: the step never started.
public struct StartMarker: Codable, Equatable, Sendable {
    public var before: OutputSnapshot
    public var startedAt: Double

    /// The marker of the step at a result locator, if its latest line says it started (or, for a
    /// legacy submission, its `.started` file is there).
    public static func read(locator: String) -> StartMarker? {
        if let (file, position) = TaskResultFile.split(locator) { return TaskResults.read(file).started[position] }
        let path = String(locator.dropLast(".json".count)) + ".started"
        return FileManager.default.contents(atPath: path).flatMap { try? JSONDecoder().decode(StartMarker.self, from: $0) }
    }
}

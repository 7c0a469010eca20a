import Foundation
import Basics
import Rules
import Targets

/// A plan larger than what may be queued goes in waves: the first arrays (in plan order, so every
/// step's upstream steps come before it) up to the queue's room, the rest later — submitted by a
/// small continuation job that runs dbuild again once the wave has ended, or by a dbuild that waits.
public enum Waves {
    /// The arrays of the first wave (the last one possibly cut short) and the steps left for later.
    /// Arrays are ordered by depth, so a prefix never needs a step it leaves out.
    public static func cut(_ arrays: [JobArray], room: Int) -> (wave: [JobArray], deferred: [Int32]) {
        var wave: [JobArray] = []
        var deferred: [Int32] = []
        var left = max(1, room)
        for var array in arrays {
            if left == 0 {
                deferred += array.tasks.joined()
                continue
            }
            if array.tasks.count > left {
                deferred += array.tasks[left...].joined()
                array.tasks = Array(array.tasks[..<left])
            }
            left -= array.tasks.count
            wave.append(array)
        }
        return (wave, deferred)
    }
}

/// What a wave leaves to the next: written as `next-wave` into the submission folder before the
/// continuation job is submitted, read by that job (`dbuild build --continue-wave FOLDER`) and by
/// `status` and `cancel`. Text: `key value` lines, then the names of the steps left, one per line.
/// A graph that grows (the Datafile reads a file a step of this wave makes) leaves `grows`: those
/// steps; the continuation evaluates the Datafile again once they have run and submits the
/// selection's (`target`) stale steps besides the ones left — never a step that failed since the
/// chain began (`since`).
public struct NextWave: Equatable, Sendable {
    /// This submission's wave (1 for the first); the continuation submits wave + 1.
    public var wave: Int
    /// The continuation job, once sbatch answered.
    public var jobID: String?
    /// The steps left for later waves.
    public var steps: [String]
    /// Steps whose outputs the Datafile reads: the graph is known in full once they have run.
    public var grows: [String]
    /// The selection the chain builds (empty: all).
    public var targets: [String]
    /// When the chain's first submission was planned (seconds since 1970).
    public var since: Double
    /// The chain's submissions so far, oldest first (the last is the one this file is in).
    public var chain: [String]
    /// The on-finish command the chain's last wave runs (`FinishJob`).
    public var onFinish: String?

    public init(wave: Int, jobID: String? = nil, steps: [String], grows: [String] = [], targets: [String] = [], since: Double = 0,
                chain: [String] = [], onFinish: String? = nil) {
        self.wave = wave
        self.jobID = jobID
        self.steps = steps
        self.grows = grows
        self.targets = targets
        self.since = since
        self.chain = chain
        self.onFinish = onFinish
    }

    public static func path(_ folder: String) -> String { folder + "/next-wave" }
    /// Written by `dbuild cancel`: a continuation that starts anyway submits nothing.
    public static func cancelledPath(_ folder: String) -> String { folder + "/cancelled" }
    public static func scriptName() -> String { "next-wave.sbatch" }

    public func write(to folder: String) throws {
        var text = "wave \(wave)\n" + (jobID.map { "job \($0)\n" } ?? "") + "steps \(steps.count)\n" + "since \(since)\n"
        text += grows.map { "grows \($0)\n" }.joined() + targets.map { "target \($0)\n" }.joined()
        text += chain.map { "chain \($0)\n" }.joined()
        // A command may hold any character: JSON-quoted on its one line.
        if let onFinish { text += "onfinish " + JSONOutput.line(onFinish) + "\n" }
        text += "\n" + steps.joined(separator: "\n") + "\n"
        try writeAtomically(Data(text.utf8), to: Self.path(folder))
    }

    public static func read(_ folder: String) -> NextWave? {
        guard let text = readFile(path(folder)), let blank = text.range(of: "\n\n") else { return nil }
        var next = NextWave(wave: 0, steps: text[blank.upperBound...].split(separator: "\n").map(String.init))
        var wave: Int?
        for line in text[..<blank.lowerBound].split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            switch parts[0] {
            case "wave": wave = Int(parts[1])
            case "job": next.jobID = parts[1]
            case "since": next.since = Double(parts[1]) ?? 0
            case "grows": next.grows.append(parts[1])
            case "target": next.targets.append(parts[1])
            case "chain": next.chain.append(parts[1])
            case "onfinish": next.onFinish = try? JSONDecoder().decode(String.self, from: Data(parts[1].utf8))
            default: break
            }
        }
        guard let wave else { return nil }
        next.wave = wave
        return next
    }

    /// What the continuation job does and when, for `status` and the submission's messages.
    public var continuationTask: String {
        let left = "the next \(steps.count) step\(steps.count == 1 ? "" : "s")"
        guard !grows.isEmpty else { return "submits \(left) once this wave has ended" }
        let makers = grows.prefix(3).joined(separator: ", ") + (grows.count > 3 ? ", …" : "")
        return "evaluates the Datafile again once \(makers) \(grows.count == 1 ? "has" : "have") run and submits the steps declared "
            + "from what \(grows.count == 1 ? "it makes" : "they make")" + (steps.isEmpty ? "" : ", with \(left)")
    }

    /// The continuation job: one core, short, waiting (afterany) for every array of its wave; it runs
    /// the dbuild copy that planned the wave, from the project folder, on the steps left.
    public static func script(context: SubmissionContext, datafile: String, wave: Int, partition: String?, maxTime: Int?) -> String {
        let time = min(3600, maxTime ?? 3600)
        var lines = ["#!/bin/bash",
                     "# dbuild submission \(context.id): submits wave \(wave + 1) (the steps listed in next-wave) once every "
                        + "array of wave \(wave) has ended; its own dependency (afterany) is passed by dbuild",
                     "#SBATCH --job-name=dbuild:next-wave",
                     "#SBATCH --chdir=\(context.projectRoot)",
                     "#SBATCH --output=\(context.folder)/next-wave.out",
                     "#SBATCH --ntasks=1",
                     "#SBATCH --cpus-per-task=1",
                     "#SBATCH --time=\(SbatchScript.slurmTime(time))"]
        if let partition { lines.append("#SBATCH --partition=\(partition)") }
        lines += ["",
                  "exec \(RecipeText.quote(context.dbuild)) build --continue-wave \(RecipeText.quote(context.folder)) "
                    + "-f \(RecipeText.quote(datafile)) --wait-lock"]
        return lines.joined(separator: "\n") + "\n"
    }
}

/// The waves of the latest submissions, as `status` shows them and `cancel` stops them.
public enum WaveChain {
    /// The wave a submission is (1 unless a continuation made it).
    public static func wave(of folder: String) -> Int {
        readFile(folder + "/wave").flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            ?? NextWave.read(folder)?.wave ?? 1
    }

    public static func markWave(_ wave: Int, in folder: String) throws {
        if wave > 1 { try writeAtomically(Data("\(wave)\n".utf8), to: folder + "/wave") }
    }

    /// Continuation jobs of recent submissions (newest last), with the submission that queued each.
    public static func continuations(of submissions: [SubmissionRecord], recent: Int = 20) -> [(submission: SubmissionRecord, next: NextWave)] {
        submissions.suffix(recent).compactMap { s in NextWave.read(s.folder).flatMap { $0.jobID == nil ? nil : (s, $0) } }
    }

    /// Lines for `status`: where the chain stands. `live` maps job ids in the queue to their state.
    public static func statusLines(_ submissions: [SubmissionRecord], live: [String: SlurmState]) -> [String] {
        guard let newest = submissions.last else { return [] }
        let wave = wave(of: newest.folder)
        guard let next = NextWave.read(newest.folder), let job = next.jobID else {
            return wave > 1 ? ["wave \(wave), the last, submitted \(newest.id)"] : []
        }
        if FileManager.default.fileExists(atPath: NextWave.cancelledPath(newest.folder)) {
            return ["wave \(wave) (\(newest.id)); the chain was cancelled: its \(next.steps.count) remaining steps are not submitted "
                    + "(dbuild all --backend slurm submits them)"]
        }
        if let state = live[job] {
            return ["wave \(wave) (\(newest.id)) is out; job \(job) (\(state)) \(next.continuationTask)"]
        }
        return ["wave \(wave) (\(newest.id)): its continuation job \(job) has left the queue without submitting a next wave "
                + "(its log: \(newest.folder)/next-wave.out); dbuild all --backend slurm submits what is left"]
    }
}

import Foundation
import Basics
import Rules
import Targets
import Backends

/// One project on disk: its Datafile, its folder, its evaluated graph and its state store.
public final class Project {
    public let root: String
    public let datafile: String
    public let graph: Graph
    public let fileSystem: DiskFileSystem
    public let dotDbuild: String
    public let waitsForLock: Bool

    /// Finds the Datafile (`datafile`: `-f`, or else `./Datafile`), evaluates it (cached) and builds
    /// the graph. `waitsForLock`: `lock()` waits for another dbuild instead of refusing (--wait-lock).
    public init(datafile: String?, waitsForLock: Bool = false) throws {
        let path = try Self.locateDatafile(datafile)
        self.datafile = path
        self.waitsForLock = waitsForLock
        root = String(path[..<path.lastIndex(of: "/")!])
        dotDbuild = root + "/.dbuild"
        fileSystem = DiskFileSystem(root: root)
        var evaluator = DatafileEvaluator(datafilePath: path, cacheDirectory: dotDbuild + "/datafile")
        if let limit = ProcessInfo.processInfo.environment["DBUILD_EVAL_TIMEOUT"].flatMap(Double.init) {
            evaluator.timeLimitSeconds = limit
        }
        let (description, cacheEntry) = try evaluator.load()
        self.cacheEntry = cacheEntry
        do {
            graph = try Graph(description, datafile: String(path.split(separator: "/").last ?? "Datafile"))
        } catch let error as GraphError {
            throw DbuildFailure.graph(GraphErrorText(text: error.description))
        }
        if !description.roots.isEmpty {
            let roots = try RootSettings.resolve(description.roots, projectRoot: root, datafile: graph.datafile)
            fileSystem.roots = roots
            graph.roots = roots
        }
        Self.attachSavedSignatures(to: graph, file: cacheEntry + "/signatures.bin")
        evaluationInputs = EvaluationInputs.read(cacheEntry + "/inputs") ?? []
    }

    /// The Datafile a command means: `-f PATH` (a folder: its Datafile), else the one of this folder
    /// or the nearest above it.
    public static func locateDatafile(_ datafile: String?) throws -> String {
        let cwd = FileManager.default.currentDirectoryPath
        var path: String
        if let datafile {
            path = normalizedPath(datafile.hasPrefix("/") ? datafile : cwd + "/" + datafile)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                path = Self.datafile(in: path) ?? path + "/Datafile"
            }
        } else if let found = Self.datafileUpward(from: cwd) {
            path = found
        } else {
            throw DbuildFailure.usage("no Datafile in \(cwd) or any folder above it; run dbuild in the project's folder, "
                + "name the Datafile with -f PATH, or start a project here with `dbuild init`")
        }
        guard FileManager.default.fileExists(atPath: path) else {
            throw DbuildFailure.usage("no Datafile at \(path); name an existing one with -f PATH, or start a project with `dbuild init`")
        }
        return path
    }

    /// A folder's Datafile: `Datafile`, or `Datafile.swift` (the same file under a name editors and
    /// sourcekit-lsp take for Swift). Both there: `Datafile` is read, and a warning says so.
    static func datafile(in folder: String) -> String? {
        let plain = folder + "/Datafile", swift = folder + "/Datafile.swift"
        let (hasPlain, hasSwift) = (FileManager.default.fileExists(atPath: plain), FileManager.default.fileExists(atPath: swift))
        if hasPlain && hasSwift {
            FileHandle.standardError.write(Data(("dbuild: warning: \(folder) holds both Datafile and Datafile.swift; dbuild reads "
                + "Datafile — remove or rename the other\n").utf8))
        }
        return hasPlain ? plain : hasSwift ? swift : nil
    }

    /// As git finds its repository: the Datafile of this folder or the nearest one above. Found above,
    /// it is said (on standard error), since it is not where the user stands.
    static func datafileUpward(from folder: String) -> String? {
        var current = normalizedPath(folder)
        while true {
            if let found = datafile(in: current) {
                if current != normalizedPath(folder) {
                    FileHandle.standardError.write(Data("dbuild: using \(found)\n".utf8))
                }
                return found
            }
            guard current != "/", let slash = current.lastIndex(of: "/") else { return nil }
            current = slash == current.startIndex ? "/" : String(current[..<slash])
        }
    }

    /// The cache folder of the Datafile's graph (facts derived from the graph live there).
    public let cacheEntry: String

    /// The scheduler as `status` and its watchers ask it: one squeue per look, shared between
    /// watchers within `sharedQueueMaxAge` (see `SharedQueue`). A queue read before the newest
    /// submission folder was made is not used.
    public private(set) lazy var slurmQueue: SharedQueue = {
        let made = (try? FileManager.default.attributesOfItem(atPath: dotDbuild + "/slurm"))?[.modificationDate] as? Date
        return SharedQueue(client: SlurmClient(), file: dotDbuild + "/squeue.json", maxAge: Project.sharedQueueMaxAge,
                           notBefore: made?.timeIntervalSince1970 ?? 0)
    }()

    /// What the Datafile's evaluation read (see EvaluationInputs).
    private(set) var evaluationInputs: [EvaluationInput] = []

    /// Steps whose outputs the Datafile's evaluation read: a graph that grows as they make data
    /// (a split step writing the chunk list that declares the fit steps). With each, the file read.
    public var stepsFeedingTheGraph: [(step: Int, file: String)] {
        evaluationInputs.compactMap { input in
            guard input.kind != "e" else { return nil }
            // A file in the project by its relative path; one under a named root by its @root name.
            let name = graph.roots.logicalName(ofAbsolute: input.name)
                ?? (input.name.hasPrefix(root + "/") ? String(input.name.dropFirst(root.count + 1)) : input.name)
            guard let id = graph.pathID(name), graph.producer[Int(id)] >= 0 else { return nil }
            return (Int(graph.producer[Int(id)]), name)
        }
    }

    /// Step signatures depend on the graph alone, so they are computed once per Datafile and saved
    /// beside its cached graph: a no-op compares each record against a loaded number instead of
    /// hashing every step's recipe and paths again.
    private static func attachSavedSignatures(to graph: Graph, file: String) {
        if let bytes = readFileBytes(file), bytes.count == graph.stepCount * 8 {
            graph.attachSignatures(bytes.withUnsafeBytes { raw in
                (0..<graph.stepCount).map { UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)) }
            })
            return
        }
        let signatures = graph.allSignatures()
        var data = Data(capacity: signatures.count * 8)
        for signature in signatures { withUnsafeBytes(of: signature.littleEndian) { data.append(contentsOf: $0) } }
        try? writeAtomically(data, to: file)   // only a cache: without it, signatures are computed again
        graph.attachSignatures(signatures)
    }

    /// Takes the project's writer lock (see ProjectLock), waiting for it with --wait-lock.
    public func lock() throws {
        try ProjectLock.acquire(in: dotDbuild, wait: waitsForLock)
    }

    /// Opens `.dbuild/state.db`: read-only commands never create or change it.
    public func openState(readOnly: Bool) throws -> StateStore {
        try Self.openState(dotDbuild: dotDbuild, readOnly: readOnly)
    }

    public static func openState(dotDbuild: String, readOnly: Bool) throws -> StateStore {
        if !readOnly { try FileManager.default.createDirectory(atPath: dotDbuild, withIntermediateDirectories: true) }
        // A reader can meet a writer in the middle of switching the journal (WAL while it works,
        // rollback when it leaves): a failed open is tried again for up to 2 s before the file is
        // called broken.
        var attempt = 0
        while true {
            do {
                return try StateStore(path: dotDbuild + "/state.db", readOnly: readOnly)
            } catch {
                attempt += 1
                if attempt >= 20 { throw DbuildFailure.brokenState("\(error)") }
                usleep(100_000)
            }
        }
    }

    /// Stops recipes that a killed dbuild left running, before their steps are judged and redone.
    /// Only after a crash (steps marked running in the state) is /proc searched. Call with the lock held.
    public func stopLeftoverRecipes(quiet: Bool) throws {
        guard FileManager.default.fileExists(atPath: dotDbuild + "/state.db"),
              let interrupted = try? openState(readOnly: true).loadInterrupted(), !interrupted.isEmpty else { return }
        let stopped = LeftoverRecipes.stop(project: dotDbuild)
        if stopped > 0 && !quiet {
            print("dbuild: stopped \(stopped) process\(stopped == 1 ? "" : "es") that a killed dbuild left running; "
                  + "the steps they belonged to run again")
        }
    }

    /// The selected steps and everything they need, as a mask.
    public func select(_ targets: [String]) throws -> (roots: [Int], needed: [Bool]) {
        // A product under a root may be named by its path on disk too.
        let targets = graph.roots.isEmpty ? targets : targets.map { target -> String in
            guard target.contains("/"), !target.hasPrefix("@"), graph.pathID(target) == nil else { return target }
            let absolute = normalizedPath(target.hasPrefix("/") ? target : FileManager.default.currentDirectoryPath + "/" + target)
            return graph.roots.logicalName(ofAbsolute: absolute) ?? target
        }
        do {
            let roots = try Selection.resolve(targets, in: graph)
            return (roots, Selection.closure(of: roots, in: graph))
        } catch let error as GraphError {
            throw DbuildFailure.graph(GraphErrorText(text: error.description))
        }
    }

    /// A scanner over the current files and recorded state.
    public func scanner(state: StateStore, forced: Bool) throws -> StalenessScanner {
        let statuses = FileStatusCache(graph: graph, fileSystem: fileSystem)
        let hashes = ContentHashes(fileSystem: fileSystem, cache: try state.loadHashCache())
        let scanner = StalenessScanner(graph: graph, statuses: statuses, hashes: hashes, records: try state.loadRecords(),
                                       interrupted: try state.loadInterrupted(), failed: Set(try state.loadFailures().keys),
                                       forced: forced)
        // Marked running by a build alive now (another process holding the lock): running, not interrupted.
        scanner.runningElsewhere = !ProjectLock.holds && ProjectLock.liveHolder(in: dotDbuild) != nil
        scanner.recordedTrees = state.loadTrees()
        scanner.removedTemporaries = state.loadRemovedTemporaries()
        return scanner
    }

    public func scan(_ scanner: StalenessScanner, needed: [Bool]) throws -> [StaleReason?] {
        do {
            fileSystem.beginScan()
            defer { fileSystem.endScan() }
            return try scanner.scan(needed: needed)
        } catch let error as GraphError {
            throw DbuildFailure.graph(GraphErrorText(text: error.description))
        }
    }
}

extension Project {
    /// Steps handed to SLURM and not yet settled. With `refresh`, first ingests what ended (results,
    /// one squeue, scontrol for what vanished) and records it as a build would (`OutcomeRecorder`);
    /// without, every unsettled step counts (a dry run must not write the state). `view` is a
    /// read-only store the caller already has open, reused to save opening another.
    public func submittedSteps(refresh: Bool, view: StateStore? = nil) throws -> [String: TrackedStep] {
        let readOnly = try view ?? openState(readOnly: true)
        if refresh {
            guard !(try readOnly.loadSubmissions(activeOnly: true)).isEmpty else { return [:] }
            return try refreshSubmissions().inFlight
        }
        var jobIDs: [String: String] = [:]
        for submission in try readOnly.loadSubmissions(activeOnly: true) {
            for array in try readOnly.loadSubmittedArrays(submission: submission.id) {
                jobIDs["\(submission.id):\(array.array)"] = array.jobID
            }
        }
        var result: [String: TrackedStep] = [:]
        for submitted in try readOnly.loadSubmittedSteps() {
            result[submitted.name] = TrackedStep(name: submitted.name, rule: String(submitted.name.prefix { $0 != "/" }),
                                                 jobID: jobIDs["\(submitted.submission):\(submitted.array)"], task: submitted.task,
                                                 state: .pending, resultPath: nil)
        }
        return result
    }

    /// Ingests what the scheduler finished since the last look and records it; returns what is still
    /// out. The one place results become state: only with the project's lock held (a build, cancel
    /// and gc hold it for their life; `look()` takes it for a moment). Only warnings are printed (an
    /// unreadable result); failures are shown by `status`.
    @discardableResult
    public func refreshSubmissions() throws -> TrackerReport {
        guard ProjectLock.holds else {
            throw DbuildFailure.setup("internal error: SLURM results ingested without the project's lock; please report it")
        }
        let state = try openState(readOnly: false)
        let report = try tracker(state: state).refresh()
        let recorder = OutcomeRecorder(graph: graph, state: state, hashes: ContentHashes(fileSystem: fileSystem, cache: try state.loadHashCache()))
        recorder.buildID = "slurm"
        recorder.say = { if $0.hasPrefix("dbuild: warning") { print($0) } }
        for outcome in report.outcomes.sorted(by: { graph.topologicalPosition($0.step) < graph.topologicalPosition($1.step) }) {
            _ = recorder.record(outcome)
        }
        try? state.saveHashes(recorder.hashes.takeFresh())
        // Settled submissions give their files back (see SubmissionGC); a problem here changes nothing else.
        if let gc = try? SubmissionGC(state: state, client: slurmQueue).run(keepDays: Self.keepSubmissionsDays) {
            finishKilledTasksPacks(of: gc.compacted + gc.removed)
        }
        return report
    }

    /// An array task killed before it closed its log pack left the logs it had packed as plain files
    /// too; once its submission has settled they are removed (the pack has them).
    public func finishKilledTasksPacks(of submissions: [String]) {
        let folder = StepLogs.packsFolder(logsDirectory: root + "/logs")
        for id in submissions {
            for name in LogPackWriter.packs(in: folder, prefix: "slurm-\(id)-") {
                LogPackWriter.finishKilled(folder: folder, name: name) { step in
                    graph.step(named: step).map { root + "/" + Builder.logPath(of: $0, in: graph) }
                }
            }
        }
    }

    /// `select` for a command about one step: a target naming several is refused, with an example.
    public func selectOne(_ target: String, for what: String) throws -> (roots: [Int], needed: [Bool]) {
        let selection = try select([target])
        guard selection.0.count == 1 else {
            throw DbuildFailure.usage("'\(target)' names \(selection.0.count) steps; \(what) — give a full step name "
                + "such as \(graph.name(selection.0[0]))")
        }
        return selection
    }

    /// Whether a log pack may still be appended to: an array task of a submission still out writes
    /// `slurm-<submission>-<array>.<task>`. (Local builds' packs are not: the caller holds the lock.)
    public func packInUse(_ state: StateStore) throws -> (String) -> Bool {
        let active = try state.loadSubmissions(activeOnly: true).map(\.id)
        return { name in active.contains { name.hasPrefix("slurm-\($0)-") } }
    }

    /// How long a settled submission's folder (scripts, manifests) is kept: DBUILD_KEEP_SUBMISSIONS_DAYS, 14 by default.
    public static var keepSubmissionsDays: Double {
        ProcessInfo.processInfo.environment["DBUILD_KEEP_SUBMISSIONS_DAYS"].flatMap(Double.init) ?? 14
    }

    /// Step indexes of tracked steps, with their job ids (nil: not known, its sbatch timed out).
    public func jobIDs(_ tracked: [String: TrackedStep]) -> [Int32: String?] {
        var result: [Int32: String?] = [:]
        for (name, step) in tracked { if let index = graph.step(named: name) { result[Int32(index)] = step.jobID } }
        return result
    }

    public func tracker(state: StateStore) throws -> SubmissionTracker {
        SubmissionTracker(graph: graph, state: state, client: slurmQueue)
    }

    /// How old an answer of squeue that watchers share may be (`status --watch` sets its interval);
    /// 0: ask once per command.
    public nonisolated(unsafe) static var sharedQueueMaxAge: Double = 0


    /// Reasons with `excluded` steps (in flight elsewhere) taken out of the plan.
    public static func excluding(_ excluded: Set<Int32>, from reasons: [StaleReason?]) -> [StaleReason?] {
        var result = reasons
        for step in excluded { result[Int(step)] = nil }
        return result
    }
}

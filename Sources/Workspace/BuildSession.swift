import Foundation
import Basics
import Rules
import Targets
import Backends

/// One `dbuild [targets…]`: the Datafile loaded (and loaded again while the graph grows), the lock,
/// what SLURM finished ingested, the selection judged, and the plan run on the chosen backend — or,
/// for a dry run, printed. Between the command line (which parses a `BuildRequest` and maps the
/// outcome to an exit status) and the engine (`Builder`), as SwiftPM's commands call its Workspace.
public final class BuildSession {
    public let datafile: String?
    public let waitsForLock: Bool
    public let request: BuildRequest
    /// Whether steps whose outputs the Datafile reads are built first, and the Datafile evaluated
    /// again (false for that first build itself).
    public let growsGraph: Bool
    /// Where what the build says goes (the caller's standard output by default).
    public var output: (String) -> Void = { Swift.print($0, terminator: "") }

    public init(datafile: String?, waitsForLock: Bool, request: BuildRequest, growsGraph: Bool = true) {
        self.datafile = datafile
        self.waitsForLock = waitsForLock
        self.request = request
        self.growsGraph = growsGraph
    }

    private func say(_ line: String) { output(line + "\n") }

    /// Runs the build: prints what it does through `output` and throws `DbuildFailure.buildFailed`
    /// (steps failed) or `.interrupted` at its end, after everything finished was recorded.
    public func run() throws {
        let started = Date()
        guard let p = try prepare() else { return }
        let protected = request.rebuildProtected ? nil : ProtectedSteps.refusal(p.plan, records: p.scanner.records, statuses: p.scanner.statuses)
        if request.dryRun || request.emitOnly != nil {
            try printPlan(p)
            if let protected, !request.json { say("dbuild: warning: a build of this plan is refused: " + protected) }
            return
        }
        if let protected { throw DbuildFailure.usage(protected) }
        let (project, continuation, chosen, plan) = (p.project, p.continuation, p.chosen, p.plan)
        let inFlight = p.inFlight
        let neededCount = p.neededCount
        if chosen == .local, let waiting = plan.steps.first(where: { step in
            project.graph.dependencies(of: Int(step)).contains { inFlight[$0] != nil }
        }) {
            throw DbuildFailure.usage("\(project.graph.name(Int(waiting))) needs steps that are still queued or running on SLURM; "
                + "wait for them (dbuild status), or stop them (dbuild cancel) and run again")
        }
        if let continuation, plan.isEmpty, let command = finishJobCommand(project, continuation) {
            // The last wave found nothing to submit: nobody else will run the command.
            let job = FinishJob(command: command, submissions: continuation.next.chain, since: continuation.next.since)
            try job.write(to: continuation.folder)
            try FinishRun(project: project).slurm(job, folder: continuation.folder)
        }
        if chosen == .slurm && plan.isEmpty {
            if inFlight.isEmpty || !request.wait {
                say("dbuild: nothing to submit: all \(neededCount) selected steps are up to date or already queued")
                return
            }
            say("dbuild: nothing new to submit; following \(inFlight.count) step\(inFlight.count == 1 ? "" : "s") "
                  + "still queued or running from an earlier submission")
        }
        let (summary, followed) = try execute(p)
        if summary.submitted > 0 && !summary.interrupted { return }      // the scheduler has it; status follows it
        try conclude(p, summary, followed: followed, started: started)
    }

    /// Everything up to the plan: the Datafile loaded (grown, for a graph that grows), the lock, a
    /// continuation's wave, what SLURM finished ingested, the selection scanned. nil: nothing to do
    /// (said why).
    private func prepare() throws -> Prepared? {
        var project = try Project(datafile: datafile, waitsForLock: waitsForLock)
        let continuation = try request.continueWave.map(WaveContinuation.init(folder:))
        let chosen = continuation != nil ? .slurm : request.backend ?? BackendChoice(rawValue: project.graph.description.defaultBackend) ?? .local
        try checkCommandLine(chosen)
        let writes = !request.dryRun && request.emitOnly == nil
        if writes {
            try RootSettings.checkWritable(project.graph.roots)
            try project.lock()
            try project.stopLeftoverRecipes(quiet: request.quiet)
        }
        if let continuation {
            if continuation.wasCancelled {
                say("dbuild: wave \(continuation.next.wave + 1) not submitted: dbuild cancel stopped the chain")
                return nil
            }
            let next = continuation.next
            say("dbuild: wave \(next.wave + 1): " + (next.grows.isEmpty ? "" : "the Datafile evaluated again after \(next.grows.joined(separator: ", ")); ")
                  + "\(next.steps.count) step\(next.steps.count == 1 ? "" : "s") left by wave \(next.wave)")
        }
        // A graph that grows is judged on what the scheduler has finished: ingested first.
        let growsOnSlurm = chosen == .slurm && writes && !project.stepsFeedingTheGraph.isEmpty
        let ingested = growsOnSlurm ? try project.submittedSteps(refresh: true) : nil
        let failedInChain = try continuation.map { $0.failedInChain(try project.openState(readOnly: true).loadFailures()) } ?? []
        var regrow: [Int32] = []
        if growsGraph {
            (project, regrow) = try grown(project, backend: chosen, writes: writes,
                                          inFlight: Set((ingested ?? [:]).keys), failed: failedInChain)
        }
        if let continuation, let failed = continuation.next.grows.first(where: failedInChain.contains) {
            say("dbuild: \(failed) did not succeed: the steps declared from what it makes are not known yet "
                  + "(dbuild status shows why; dbuild all --backend slurm runs it again)")
        }
        var selection = continuation?.selection(in: project.graph) ?? request.targets
        if !regrow.isEmpty {
            // As locally: first what the Datafile reads (and what that needs); a step planned from a
            // graph not known in full could run on a partial list (a summary over the chunks known).
            selection = (continuation?.next.steps ?? []).filter { project.graph.step(named: $0) != nil }
                + regrow.map { project.graph.name(Int($0)) }
        }
        if let continuation, selection.isEmpty {
            say("dbuild: nothing to submit: the Datafile no longer has any of the steps wave \(continuation.next.wave) left")
            return nil
        }
        let (_, needed) = try project.select(selection)
        // Steps a batch scheduler still has: never planned twice.
        // Decide with a read-only view: a refused build (missing source, unknown target) must leave
        // the state file exactly as it was. One view serves both questions unless the SLURM refresh
        // wrote to the store in between.
        let view = try project.openState(readOnly: true)
        let hadSubmissions = !(try view.loadSubmissions(activeOnly: true)).isEmpty
        let tracked = try ingested ?? project.submittedSteps(refresh: writes, view: view)
        let inFlight = project.jobIDs(tracked)
        let scanner = try project.scanner(state: hadSubmissions && writes ? try project.openState(readOnly: true) : view,
                                          forced: request.alwaysMake)
        var reasons = try project.scan(scanner, needed: needed)
        keepUntilExit(project, scanner)
        if let continuation {
            let (kept, blocked) = continuation.restrict(reasons, graph: project.graph, inFlight: inFlight, needed: needed,
                                                              growing: !regrow.isEmpty, failed: failedInChain)
            reasons = kept
            if !blocked.isEmpty {
                try project.openState(readOnly: false).recordBlocked(blocked, at: Date().timeIntervalSince1970)
                say("dbuild: \(blocked.count) step\(blocked.count == 1 ? "" : "s") not submitted: "
                      + blocked.prefix(5).map { "\($0.name) (\($0.blocker))" }.joined(separator: "; ")
                      + (blocked.count > 5 ? "; …" : ""))
            }
        }
        let plan = Plan(graph: project.graph, reasons: Project.excluding(Set(inFlight.keys), from: reasons))
        let neededCount = needed.reduce(0) { $0 + ($1 ? 1 : 0) }
        return Prepared(project: project, continuation: continuation, chosen: chosen, regrow: regrow, needed: needed,
                        neededCount: neededCount, view: view, tracked: tracked, inFlight: inFlight, scanner: scanner, plan: plan)
    }

    /// `-n` and `--emit-only`: the plan, its reasons, and on SLURM the arrays and their scripts.
    private func printPlan(_ p: Prepared) throws {
        let (project, continuation, chosen, plan, scanner) = (p.project, p.continuation, p.chosen, p.plan, p.scanner)
        let (neededCount, inFlight, view) = (p.neededCount, p.inFlight, p.view)
        var document = request.json ? PlanDocument(plan, neededCount: neededCount) : nil
        if request.dryRun && !request.json { output(PlanReport.text(plan, neededCount: neededCount, listAll: request.verbose)) }
        if request.dryRun && request.verbose && !request.json {
            say("Content hashes read: \(scanner.hashes.filesRead) (the others' size and mtime were unchanged since they were hashed)")
        }
        if chosen == .slurm {
            do {
                let arrays = try SlurmScripts(project: project).emit(plan, inFlight: inFlight, into: request.emitOnly,
                                                        history: RuleHistory.of(scanner.records), usage: RuleUsage.of(view),
                                                        maxCoreHours: request.maxCoreHours, printing: !request.json,
                                                        finishJob: !request.wait && finishJobCommand(project, continuation) != nil)
                if let arrays { document?.add(arrays) }
            } catch let error as SlurmPlanError {
                throw DbuildFailure.usage(error.description)
            }
        }
        document?.print(plan)
    }

    /// Runs the plan on the chosen backend (or follows what SLURM still has, with --wait); returns the
    /// totals and the SLURM backend this process followed.
    private func execute(_ p: Prepared) throws -> (summary: BuildSummary, followed: SlurmBackend?) {
        let (project, chosen, plan, scanner, inFlight) = (p.project, p.chosen, p.plan, p.scanner, p.inFlight)
        var summary = BuildSummary()
        var followed: SlurmBackend?                  // a submission this process follows (--wait)
        if !plan.isEmpty || (chosen == .slurm && request.wait) {
            let state = try project.openState(readOnly: false)
            let stop = StopSignal()
            stop.installHandlers()
            let builder = Builder(graph: project.graph, plan: plan, scanner: scanner, state: state)
            builder.quiet = request.quiet
            builder.verbose = request.verbose
            builder.stagesOutputs = true
            builder.keepsTemporary = request.keepTemporary
            builder.awaitedElsewhere = Set(inFlight.keys)
            let backend: Backend
            var publisher: ProgressPublisher?          // a local build's progress, for `status` elsewhere
            defer { publisher?.remove() }
            if chosen == .slurm {
                let slurm = try slurmBackend(p, state: state)
                followed = request.wait ? slurm : nil
                backend = slurm
            } else {
                let (local, published) = localBackend(p, builder: builder)
                publisher = published
                backend = local
            }
            do {
                summary = try builder.run(on: backend, keepGoing: request.keepGoing || chosen == .slurm, stop: stop)
            } catch let error as SlurmError {
                throw DbuildFailure.scheduler(error.description + "\nwhat was submitted before is tracked; "
                    + "dbuild all --backend slurm submits the rest once SLURM answers")
            } catch let error as SlurmPlanError {
                throw DbuildFailure.usage(error.description)
            }
            builder.progress?.finish()
            if chosen == .local, let inUse = try? project.packInUse(state) {
                _ = LogPackGC.merge(folder: StepLogs.packsFolder(logsDirectory: project.root + "/logs"), olderThan: 7 * 86_400, inUse: inUse)
            }
            if summary.submitted > 0 && !summary.interrupted { return (summary, followed) }      // the scheduler has it; status follows it
            // Followed to its end: the submission is settled now, and gives back its result files.
            if chosen == .slurm && !summary.interrupted { _ = try? project.refreshSubmissions() }
        } else {
            if !scanner.hashes.fresh.isEmpty {
                // Files were touched but not changed: remember their hashes so they are not read again.
                try? project.openState(readOnly: false).saveHashes(scanner.hashes.takeFresh())
            }
            if !request.keepTemporary && inFlight.isEmpty, project.graph.description.rules.contains(where: \.isTemporary),
               let state = try? project.openState(readOnly: false) {
                // Nothing to run: temporaries kept by an earlier build (--keep-temporary) go now.
                Builder.removeUsedTemporaries(graph: project.graph, state: state, plan: plan, fileSystem: project.fileSystem)
            }
        }
        return (summary, followed)
    }

    /// The SLURM backend as this build sets it: the steps earlier submissions still have adopted,
    /// recorded run times and usage for sizing, the wave and its chain, the on-finish job.
    private func slurmBackend(_ p: Prepared, state: StateStore) throws -> SlurmBackend {
        let (project, continuation, scanner, tracked, regrow) = (p.project, p.continuation, p.scanner, p.tracked, p.regrow)
        let slurm = SlurmBackend(graph: project.graph, state: state, client: SlurmClient(),
                                 policy: SlurmPolicy(pollInterval: request.pollInterval), wait: request.wait, projectRoot: project.root,
                                 submissionsFolder: project.dotDbuild + "/slurm", dbuild: try SlurmScripts.jobsExecutable(project),
                                 adopted: tracked)
        slurm.quiet = request.quiet
        slurm.history = RuleHistory.of(scanner.records)
        slurm.usage = RuleUsage.of(state)
        slurm.maxCoreHours = request.maxCoreHours
        slurm.datafile = project.datafile
        slurm.wave = (continuation?.next.wave ?? 0) + 1
        slurm.regrowAfter = regrow
        slurm.targets = continuation?.next.targets ?? request.targets
        if let continuation { slurm.chainSince = continuation.next.since }
        slurm.chain = continuation?.next.chain ?? []
        if !request.wait { slurm.onFinish = finishJobCommand(project, continuation) }
        return slurm
    }

    /// The local backend, with the progress display it feeds and publishes for `status` elsewhere.
    private func localBackend(_ p: Prepared, builder: Builder) -> (LocalBackend, ProgressPublisher) {
        let (project, plan, scanner) = (p.project, p.plan, p.scanner)
        let parallelism = request.jobs ?? LocalBackend.machineCores
        let progress = ProgressReporter(
            total: plan.steps.count, rulesOfPlannedSteps: plan.steps.map { project.graph.rule(of: Int($0)).name },
            parallelism: parallelism, expected: Self.meanDurations(scanner.records), isTerminal: isatty(1) != 0,
            color: ProcessInfo.processInfo.environment["NO_COLOR"] == nil, quiet: request.quiet)
        builder.progress = progress
        builder.say = { progress.message($0) }
        let published = ProgressPublisher(dotDbuild: project.dotDbuild)
        published.publish(progress.state)
        progress.publish = published.publish
        builder.logPacker = LogPackWriter(folder: StepLogs.packsFolder(logsDirectory: project.root + "/logs"),
                                          name: "build-\(builder.buildID)")
        let local = LocalBackend(jobs: parallelism, workingDirectory: project.root)
        local.ownerTag = LeftoverRecipes.tag(project: project.dotDbuild)
        warnOfOversizedSteps(plan, project.graph, cores: local.cores, memoryMB: local.memoryMB)
        return (local, published)
    }

    /// A rule asking more cores or memory than this machine has runs here anyway, alone — said once
    /// per rule, on standard error, so that a step sized for a cluster node is not a surprise here.
    private func warnOfOversizedSteps(_ plan: Plan, _ graph: Graph, cores: Int, memoryMB: Int) {
        var seen = Set<Int>()
        for step in plan.steps where seen.insert(Int(graph.description.stepRule[Int(step)])).inserted {
            let rule = graph.rule(of: Int(step))
            let asked = Launch.localCPUs(rule.resources)
            var over: [String] = []
            if asked > cores { over.append("\(asked) cores (this machine has \(cores))") }
            if rule.resources.memoryMB > memoryMB { over.append("\(rule.resources.memoryMB) MB (this machine has \(memoryMB) MB)") }
            guard !over.isEmpty else { continue }
            FileHandle.standardError.write(Data(("dbuild: warning: rule \(rule.name) (\(graph.datafile):\(rule.line)) asks for "
                + over.joined(separator: " and ") + "; its steps run here one at a time with what there is — "
                + "--backend slurm runs them where they fit\n").utf8))
        }
    }

    /// The summary line, and the on-finish command when this process is the one to run it.
    private func conclude(_ p: Prepared, _ summary: BuildSummary, followed: SlurmBackend?, started: Date) throws {
        let (project, continuation, chosen, plan) = (p.project, p.continuation, p.chosen, p.plan)
        let (neededCount, inFlight, needed) = (p.neededCount, p.inFlight, p.needed)
        let upToDate = neededCount - summary.planned + summary.cutOff - inFlight.keys.filter { needed[Int($0)] }.count
        if chosen == .slurm && summary.interrupted {
            say("dbuild: stopped waiting; the submission runs on without dbuild (dbuild status follows it)")
            // The on-finish command this process was to run goes to a finish job instead.
            if let command = finishJobCommand(project, continuation), let followed {
                do {
                    _ = try followed.handOverOnFinish(command)          // it says which job
                } catch {
                    say("dbuild: warning: the on-finish job could not be submitted (\(error)); nothing will run the on-finish command")
                }
            }
        } else if chosen == .slurm {
            say("dbuild: submission finished" + (summary.failed > 0 ? " with failures (dbuild status shows them)" : ": every step done"))
        }
        var line = "dbuild: \(summary.succeeded) run, \(upToDate) up to date, \(summary.failed) failed"
        if summary.stopped > 0 { line += ", \(summary.stopped) stopped" }
        if summary.leftOnScheduler > 0 { line += ", \(summary.leftOnScheduler) still on SLURM" }
        if summary.blocked > 0 { line += ", \(summary.blocked) blocked by failures" }
        if summary.notStarted > 0 { line += ", \(summary.notStarted) not started" }
        if !summary.overwritten.isEmpty { line += ", \(summary.overwritten.count) overwritten by another recipe" }
        line += String(format: " (%.2f s)", Date().timeIntervalSince(started))
        say(line)
        // Here at the end (a local build, or a submission followed to its end): this process runs the command.
        if let command = finishCommand(project, continuation), !plan.isEmpty, chosen == .local || !summary.interrupted {
            try FinishRun(project: project).afterBuild(command, steps: plan.steps.map { project.graph.name(Int($0)) },
                                                       startedAt: started.timeIntervalSince1970, backend: chosen.rawValue,
                                                       interrupted: summary.interrupted)
        }
        if summary.interrupted { throw DbuildFailure.interrupted }
        if summary.failed > 0 || !summary.overwritten.isEmpty { throw DbuildFailure.buildFailed }
    }

    /// The on-finish command: `--on-finish`, else the one a wave's continuation carries, else the Datafile's.
    private func finishCommand(_ project: Project, _ continuation: WaveContinuation?) -> String? {
        let command = request.onFinish ?? continuation?.next.onFinish ?? project.graph.description.onFinish
        return command?.isEmpty == false ? command : nil
    }

    /// What a submission's finish job runs: the on-finish command, or "" (no command) when it has only
    /// the used temporaries to remove — on SLURM without --wait, nobody else stays to do it.
    private func finishJobCommand(_ project: Project, _ continuation: WaveContinuation?) -> String? {
        finishCommand(project, continuation)
            ?? (!request.keepTemporary && project.graph.description.rules.contains(where: \.isTemporary) ? "" : nil)
    }

    /// Slips that would quietly do something else than asked: `all` beside other targets (it selects
    /// everything: refused on SLURM, where that costs allocation; said locally), SLURM-only options
    /// on a local build.
    private func checkCommandLine(_ chosen: BackendChoice) throws {
        let others = request.targets.filter { $0 != "all" }
        if request.targets.contains("all") && !others.isEmpty {
            let text = "'all' is a target that selects every step, so \(others.joined(separator: " ")) add\(others.count == 1 ? "s" : "") nothing"
            if chosen == .slurm && request.continueWave == nil {
                throw DbuildFailure.usage(text + "; on SLURM that submits everything: name only the targets you mean (drop 'all')")
            }
            FileHandle.standardError.write(Data("dbuild: warning: \(text) (drop 'all' to build only them)\n".utf8))
        }
        if chosen == .local {
            let slurmOnly = [(request.wait, "--wait"), (request.emitOnly != nil, "--emit-only"), (request.maxCoreHours != nil, "--max-core-hours")]
                .filter(\.0).map(\.1)
            if !slurmOnly.isEmpty {
                throw DbuildFailure.usage("\(slurmOnly.joined(separator: ", ")) \(slurmOnly.count == 1 ? "is" : "are") for SLURM, and this build runs "
                    + "here: add --backend slurm (or defaultBackend(.slurm) in the Datafile), or leave \(slurmOnly.count == 1 ? "it" : "them") out")
            }
        }
    }

    /// Set while a build makes the steps whose outputs the Datafile reads (see `grown`).
    nonisolated(unsafe) static var growing = false

    /// A graph that grows as steps make data: when the Datafile read a file a step makes (a chunk
    /// list written by a split step) and that step is stale, it is built first (with what it
    /// needs), the Datafile is evaluated again, and so on until nothing it reads is still to be
    /// made — then the build goes on with the grown graph. A dry run says what is not known yet.
    /// On SLURM without --wait, nobody stays to evaluate again: the steps are returned, submitted
    /// with what is known, and a continuation job evaluates the Datafile once they have run.
    /// `inFlight`: steps a scheduler has (not built here); `failed`: failed in this chain (not retried).
    private func grown(_ start: Project, backend: BackendChoice, writes: Bool, inFlight: Set<String>, failed: Set<String>) throws
        -> (project: Project, regrow: [Int32]) {
        var project = start
        for _ in 0..<20 {
            let feeding = project.stepsFeedingTheGraph.filter { !failed.contains(project.graph.name($0.step)) }
            guard !feeding.isEmpty else { return (project, []) }
            let steps = Array(Set(feeding.map(\.step))).sorted()
            let scanner = try project.scanner(state: try project.openState(readOnly: true), forced: false)
            let reasons = try project.scan(scanner, needed: Selection.closure(of: steps, in: project.graph))
            let stale = steps.filter { reasons[$0] != nil || inFlight.contains(project.graph.name($0)) }
            guard !stale.isEmpty else { return (project, []) }
            let names = stale.map(project.graph.name)
            let files = feeding.filter { stale.contains($0.step) }.map(\.file)
            let what = "the Datafile reads \(files.joined(separator: ", ")), which \(names.joined(separator: ", ")) make\(names.count == 1 ? "s" : "")"
            if backend == .slurm && writes && !request.wait {
                say("dbuild: not known yet: \(what); submitting what is known: a continuation job evaluates the Datafile again "
                      + "once \(names.count == 1 ? "it has" : "they have") run and submits the steps declared from it")
                return (project, stale.map(Int32.init))
            }
            guard writes else {
                say("dbuild: not known yet: \(what); the steps declared from it appear once it has run ("
                      + (backend == .slurm ? "dbuild all --backend slurm submits it first, and a continuation job the rest)"
                                           : "dbuild all runs it first, then evaluates the Datafile again)"))
                return (project, backend == .slurm ? stale.map(Int32.init) : [])   // the SLURM plan: what goes first
            }
            say("dbuild: \(what): building \(names.count == 1 ? "it" : "them") first, then evaluating the Datafile again")
            // A build of its own, which makes no graph grow: the graph is evaluated again after it.
            var first = request
            first.targets = names
            let sub = BuildSession(datafile: datafile, waitsForLock: waitsForLock, request: first, growsGraph: false)
            sub.output = output
            try sub.run()
            project = try Project(datafile: datafile, waitsForLock: waitsForLock)
        }
        return (project, [])
    }

    /// Mean recorded duration of each rule's steps, for the progress line's ETA.
    public static func meanDurations(_ records: [String: StepRecord]) -> [String: Double] {
        RuleHistory.of(records).mapValues(\.meanSeconds)
    }
}

/// What `prepare` found: the project as loaded, the backend chosen, and the plan.
private struct Prepared {
    let project: Project
    let continuation: WaveContinuation?
    let chosen: BackendChoice
    let regrow: [Int32]
    let needed: [Bool]
    let neededCount: Int
    let view: StateStore
    let tracked: [String: TrackedStep]
    let inFlight: [Int32: String?]
    let scanner: StalenessScanner
    let plan: Plan
}

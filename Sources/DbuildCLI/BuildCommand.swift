import ArgumentParser
import Foundation
import Targets
import Backends

/// `dbuild [targets…]`: make what is missing or stale among the targets and what they need.
struct BuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build what is missing or stale (the default command).",
        discussion: "A target is a step name (LP/model7/r3), a name prefix (LP/model7), an output path, or 'all'.")

    @OptionGroup var project: ProjectOptions
    @Argument(help: "Steps, name prefixes or output paths to build (default: all).")
    var targets: [String] = []
    @Flag(name: [.customShort("n"), .long], help: "Print the plan with a reason for each step; run nothing.")
    var dryRun = false
    @Option(name: [.customShort("j", allowingJoined: true), .long], help: "Steps to run at once (default: the number of cores).")
    var jobs: Int?
    @Flag(name: [.customShort("k"), .long], help: "Keep going: after a failure, go on with the steps that do not need it.")
    var keepGoing = false
    @Flag(name: [.customShort("B"), .long], help: "Run every selected step, stale or not.")
    var alwaysMake = false
    @Flag(name: [.customShort("v"), .long], help: "Print each command; list every step in a dry run.")
    var verbose = false
    @Option(help: "Where steps run: local or slurm (default: the Datafile's choice, else local).")
    var backend: BackendChoice?
    @Flag(help: "slurm: stay until the submission finishes, resubmitting failed steps of rules with retries.")
    var wait = false
    @Option(help: ArgumentHelp("slurm: seconds between looks at the queue while waiting.", valueName: "seconds"))
    var pollInterval: Double = 30
    @Option(help: ArgumentHelp("slurm: write the sbatch scripts and submit.sh into this folder; submit nothing.", valueName: "dir"))
    var emitOnly: String?
    @Option(help: ArgumentHelp("slurm: refuse a plan that asks for more core-hours than this.", valueName: "hours"))
    var maxCoreHours: Double?
    @Option(help: ArgumentHelp("Run this shell command when the build ends (on SLURM without --wait: when the submission's last array has ended), "
        + "the summary in its environment and as JSON on its standard input; replaces the Datafile's onFinish.", valueName: "command"))
    var onFinish: String?
    @Flag(help: "With -n: print the plan as JSON (schema dbuild.plan/1, see the README).")
    var json = false
    @Option(help: .hidden) var continueWave: String?

    var quiet: Bool { project.quiet }

    func validate() throws {
        if json && !dryRun { throw ValidationError("--json prints the plan of a dry run: use it with -n") }
        if continueWave != nil && (dryRun || wait || emitOnly != nil || !targets.isEmpty) {
            throw ValidationError("--continue-wave is for a wave's continuation job; it takes no targets, -n, --wait or --emit-only")
        }
        if let jobs, jobs < 1 { throw ValidationError("-j needs a positive number of steps, e.g. -j 4") }
        if pollInterval < 1 { throw ValidationError("--poll-interval is in seconds and at least 1; the default is 30") }
        if let maxCoreHours, maxCoreHours <= 0 { throw ValidationError("--max-core-hours needs a positive number of hours, e.g. --max-core-hours 5000") }
    }

    func run() throws {
        let started = Date()
        var project = try Project(options: self.project)
        let continuation = try continueWave.map(WaveContinuation.init(folder:))
        let chosen = continuation != nil ? .slurm : backend ?? BackendChoice(rawValue: project.graph.description.defaultBackend) ?? .local
        let writes = !dryRun && emitOnly == nil
        if writes {
            try RootSettings.checkWritable(project.graph.roots)
            try project.lock()
            try project.stopLeftoverRecipes(quiet: quiet)
        }
        if let continuation {
            if continuation.wasCancelled {
                print("dbuild: wave \(continuation.next.wave + 1) not submitted: dbuild cancel stopped the chain")
                return
            }
            let next = continuation.next
            print("dbuild: wave \(next.wave + 1): " + (next.grows.isEmpty ? "" : "the Datafile evaluated again after \(next.grows.joined(separator: ", ")); ")
                  + "\(next.steps.count) step\(next.steps.count == 1 ? "" : "s") left by wave \(next.wave)")
        }
        // A graph that grows is judged on what the scheduler has finished: ingested first.
        let growsOnSlurm = chosen == .slurm && writes && !project.stepsFeedingTheGraph.isEmpty
        let ingested = growsOnSlurm ? try project.submittedSteps(refresh: true) : nil
        let failedInChain = try continuation.map { $0.failedInChain(try project.openState(readOnly: true).loadFailures()) } ?? []
        var regrow: [Int32] = []
        if !Self.growing {
            (project, regrow) = try grown(project, backend: chosen, writes: writes,
                                          inFlight: Set((ingested ?? [:]).keys), failed: failedInChain)
        }
        if let continuation, let failed = continuation.next.grows.first(where: failedInChain.contains) {
            print("dbuild: \(failed) did not succeed: the steps declared from what it makes are not known yet "
                  + "(dbuild status shows why; dbuild all --backend slurm runs it again)")
        }
        var selection = continuation?.selection(in: project.graph) ?? targets
        if !regrow.isEmpty {
            // As locally: first what the Datafile reads (and what that needs); a step planned from a
            // graph not known in full could run on a partial list (a summary over the chunks known).
            selection = (continuation?.next.steps ?? []).filter { project.graph.step(named: $0) != nil }
                + regrow.map { project.graph.name(Int($0)) }
        }
        if let continuation, selection.isEmpty {
            print("dbuild: nothing to submit: the Datafile no longer has any of the steps wave \(continuation.next.wave) left")
            return
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
                                          forced: alwaysMake)
        var reasons = try project.scan(scanner, needed: needed)
        keepUntilExit(project, scanner)
        if let continuation {
            let (kept, blocked) = continuation.restrict(reasons, graph: project.graph, inFlight: inFlight, needed: needed,
                                                              growing: !regrow.isEmpty, failed: failedInChain)
            reasons = kept
            if !blocked.isEmpty {
                try project.openState(readOnly: false).recordBlocked(blocked, at: Date().timeIntervalSince1970)
                print("dbuild: \(blocked.count) step\(blocked.count == 1 ? "" : "s") not submitted: "
                      + blocked.prefix(5).map { "\($0.name) (\($0.blocker))" }.joined(separator: "; ")
                      + (blocked.count > 5 ? "; …" : ""))
            }
        }
        let plan = Plan(graph: project.graph, reasons: Project.excluding(Set(inFlight.keys), from: reasons))
        let neededCount = needed.reduce(0) { $0 + ($1 ? 1 : 0) }
        if dryRun || emitOnly != nil {
            var document = json ? PlanDocument(plan, neededCount: neededCount) : nil
            if dryRun && !json { print(PlanReport.text(plan, neededCount: neededCount, listAll: verbose), terminator: "") }
            if dryRun && verbose && !json {
                print("Content hashes read: \(scanner.hashes.filesRead) (the others' size and mtime were unchanged since they were hashed)")
            }
            if chosen == .slurm {
                do {
                    let arrays = try SlurmScripts(project: project).emit(plan, inFlight: inFlight, into: emitOnly,
                                                            history: RuleHistory.of(scanner.records), usage: RuleUsage.of(view),
                                                            maxCoreHours: maxCoreHours, printing: !json,
                                                            finishJob: !wait && finishCommand(project, continuation) != nil)
                    if let arrays { document?.add(arrays) }
                } catch let error as SlurmPlanError {
                    throw DbuildFailure.usage(error.description)
                }
            }
            document?.print(plan)
            return
        }
        if chosen == .local, let waiting = plan.steps.first(where: { step in
            project.graph.dependencies(of: Int(step)).contains { inFlight[$0] != nil }
        }) {
            throw DbuildFailure.usage("\(project.graph.name(Int(waiting))) needs steps that are still queued or running on SLURM; "
                + "wait for them (dbuild status), or stop them (dbuild cancel) and run again")
        }
        if let continuation, plan.isEmpty, let command = finishCommand(project, continuation) {
            // The last wave found nothing to submit: nobody else will run the command.
            let job = FinishJob(command: command, submissions: continuation.next.chain, since: continuation.next.since)
            try job.write(to: continuation.folder)
            try FinishRun(project: project).slurm(job, folder: continuation.folder)
        }
        if chosen == .slurm && plan.isEmpty {
            if inFlight.isEmpty || !wait {
                print("dbuild: nothing to submit: all \(neededCount) selected steps are up to date or already queued")
                return
            }
            print("dbuild: nothing new to submit; following \(inFlight.count) step\(inFlight.count == 1 ? "" : "s") "
                  + "still queued or running from an earlier submission")
        }
        var summary = BuildSummary()
        var followed: SlurmBackend?                  // a submission this process follows (--wait)
        if !plan.isEmpty || (chosen == .slurm && wait) {
            let state = try project.openState(readOnly: false)
            let stop = StopSignal()
            stop.installHandlers()
            let builder = Builder(graph: project.graph, plan: plan, scanner: scanner, state: state)
            builder.quiet = quiet
            builder.verbose = verbose
            builder.awaitedElsewhere = Set(inFlight.keys)
            let backend: Backend
            var publisher: ProgressPublisher?          // a local build's progress, for `status` elsewhere
            defer { publisher?.remove() }
            if chosen == .slurm {
                let slurm = SlurmBackend(graph: project.graph, state: state, client: SlurmClient(),
                                         policy: SlurmPolicy(pollInterval: pollInterval), wait: wait, projectRoot: project.root,
                                         submissionsFolder: project.dotDbuild + "/slurm", dbuild: try SlurmScripts.jobsExecutable(project),
                                         adopted: tracked)
                slurm.quiet = quiet
                slurm.history = RuleHistory.of(scanner.records)
                slurm.usage = RuleUsage.of(state)
                slurm.maxCoreHours = maxCoreHours
                slurm.datafile = project.datafile
                slurm.wave = (continuation?.next.wave ?? 0) + 1
                slurm.regrowAfter = regrow
                slurm.targets = continuation?.next.targets ?? targets
                if let continuation { slurm.chainSince = continuation.next.since }
                slurm.chain = continuation?.next.chain ?? []
                if !wait { slurm.onFinish = finishCommand(project, continuation) }
                followed = wait ? slurm : nil
                backend = slurm
            } else {
                let parallelism = jobs ?? LocalBackend.machineCores
                let progress = ProgressReporter(
                    total: plan.steps.count, rulesOfPlannedSteps: plan.steps.map { project.graph.rule(of: Int($0)).name },
                    parallelism: parallelism, expected: Self.meanDurations(scanner.records), isTerminal: isatty(1) != 0,
                    color: ProcessInfo.processInfo.environment["NO_COLOR"] == nil, quiet: quiet)
                builder.progress = progress
                builder.say = { progress.message($0) }
                let published = ProgressPublisher(dotDbuild: project.dotDbuild)
                published.publish(progress.state)
                progress.publish = published.publish
                publisher = published
                builder.logPacker = LogPackWriter(folder: StepLogs.packsFolder(logsDirectory: project.root + "/logs"),
                                                  name: "build-\(builder.buildID)")
                let local = LocalBackend(jobs: parallelism, workingDirectory: project.root)
                local.ownerTag = LeftoverRecipes.tag(project: project.dotDbuild)
                backend = local
            }
            do {
                summary = try builder.run(on: backend, keepGoing: keepGoing || chosen == .slurm, stop: stop)
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
            if summary.submitted > 0 && !summary.interrupted { return }      // the scheduler has it; status follows it
            // Followed to its end: the submission is settled now, and gives back its result files.
            if chosen == .slurm && !summary.interrupted { _ = try? project.refreshSubmissions() }
        } else if !scanner.hashes.fresh.isEmpty {
            // Files were touched but not changed: remember their hashes so they are not read again.
            try? project.openState(readOnly: false).saveHashes(scanner.hashes.takeFresh())
        }
        let upToDate = neededCount - summary.planned + summary.cutOff - inFlight.keys.filter { needed[Int($0)] }.count
        if chosen == .slurm && summary.interrupted {
            print("dbuild: stopped waiting; the submission runs on without dbuild (dbuild status follows it)")
            // The on-finish command this process was to run goes to a finish job instead.
            if let command = finishCommand(project, continuation), let followed {
                do {
                    _ = try followed.handOverOnFinish(command)          // it says which job
                } catch {
                    print("dbuild: warning: the on-finish job could not be submitted (\(error)); nothing will run the on-finish command")
                }
            }
        } else if chosen == .slurm {
            print("dbuild: submission finished" + (summary.failed > 0 ? " with failures (dbuild status shows them)" : ": every step done"))
        }
        var line = "dbuild: \(summary.succeeded) run, \(upToDate) up to date, \(summary.failed) failed"
        if summary.blocked > 0 { line += ", \(summary.blocked) blocked by failures" }
        if summary.notStarted > 0 { line += ", \(summary.notStarted) not started" }
        if !summary.overwritten.isEmpty { line += ", \(summary.overwritten.count) overwritten by another recipe" }
        line += String(format: " (%.2f s)", Date().timeIntervalSince(started))
        print(line)
        // Here at the end (a local build, or a submission followed to its end): this process runs the command.
        if let command = finishCommand(project, continuation), !plan.isEmpty, chosen == .local || !summary.interrupted {
            try FinishRun(project: project).afterBuild(command, steps: plan.steps.map { project.graph.name(Int($0)) },
                                                       startedAt: started.timeIntervalSince1970, backend: chosen.rawValue,
                                                       interrupted: summary.interrupted)
        }
        if summary.interrupted { throw DbuildFailure.interrupted }
        if summary.failed > 0 || !summary.overwritten.isEmpty { throw DbuildFailure.buildFailed }
    }
}

extension BuildCommand {
    /// The on-finish command: `--on-finish`, else the one a wave's continuation carries, else the Datafile's.
    func finishCommand(_ project: Project, _ continuation: WaveContinuation?) -> String? {
        onFinish ?? continuation?.next.onFinish ?? project.graph.description.onFinish
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
    func grown(_ start: Project, backend: BackendChoice, writes: Bool, inFlight: Set<String>, failed: Set<String>) throws
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
            if backend == .slurm && writes && !wait {
                print("dbuild: not known yet: \(what); submitting what is known: a continuation job evaluates the Datafile again "
                      + "once \(names.count == 1 ? "it has" : "they have") run and submits the steps declared from it")
                return (project, stale.map(Int32.init))
            }
            guard writes else {
                print("dbuild: not known yet: \(what); the steps declared from it appear once it has run ("
                      + (backend == .slurm ? "dbuild all --backend slurm submits it first, and a continuation job the rest)"
                                           : "dbuild all runs it first, then evaluates the Datafile again)"))
                return (project, backend == .slurm ? stale.map(Int32.init) : [])   // the SLURM plan: what goes first
            }
            print("dbuild: \(what): building \(names.count == 1 ? "it" : "them") first, then evaluating the Datafile again")
            var first = self
            first.targets = names
            Self.growing = true
            defer { Self.growing = false }
            try first.run()
            project = try Project(options: self.project)
        }
        return (project, [])
    }

    /// Mean recorded duration of each rule's steps, for the progress line's ETA.
    static func meanDurations(_ records: [String: StepRecord]) -> [String: Double] {
        RuleHistory.of(records).mapValues(\.meanSeconds)
    }
}

/// The backends `--backend` accepts.
enum BackendChoice: String, ExpressibleByArgument, CaseIterable {
    case local
    case slurm
}

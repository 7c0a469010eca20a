import ArgumentParser
import Foundation
import Basics
import Workspace
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
    @Flag(help: "Run steps of .protected() rules again when they are stale (refused otherwise).")
    var rebuildProtected = false
    @Flag(help: "Keep the outputs of .temporary() rules in this build (removed otherwise once everything that reads them succeeded).")
    var keepTemporary = false
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
        var request = BuildRequest()
        request.targets = targets
        request.dryRun = dryRun
        request.json = json
        request.jobs = jobs
        request.keepGoing = keepGoing
        request.alwaysMake = alwaysMake
        request.rebuildProtected = rebuildProtected
        request.keepTemporary = keepTemporary
        request.verbose = verbose
        request.quiet = quiet
        request.backend = backend
        request.wait = wait
        request.pollInterval = pollInterval
        request.emitOnly = emitOnly
        request.maxCoreHours = maxCoreHours
        request.onFinish = onFinish
        request.continueWave = continueWave
        do {
            try BuildSession(datafile: project.datafile, waitsForLock: project.waitLock, request: request).run()
        } catch let failure as DbuildFailure {
            throw CommandSlips.explain(failure, targets: targets, arguments: Array(CommandLine.arguments.dropFirst()))
        }
    }
}

extension BackendChoice: ExpressibleByArgument {}

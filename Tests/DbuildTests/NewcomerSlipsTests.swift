import Foundation
import Testing

/// Issue 26: the slips of a newcomer's first hour are caught and explained — a mistyped or misplaced
/// command, `all` beside other targets, SLURM options on a local build, a second Datafile, a
/// project run from a subfolder, help that hides the build flags, a step sized for a cluster node.
@Suite struct NewcomerSlipsTests {
    static let datafile = """
        import Rules
        Rule("sim", over: ["r": ["r1", "r2"]]) { s in
            s.outputs = ["sim/\\(s.r).txt"]
            s.recipe = "echo {r} > {output}"
        }
        """

    static func project() throws -> Scenario {
        let s = try Scenario("empty")
        try s.write("Datafile", datafile)
        return s
    }

    @Test func aMistypedOrMisplacedCommandIsNamed() throws {
        let s = try Self.project()
        let typo = try s.dbuild("lsit")
        #expect(typo.status == 2 && typo.stderr.contains("'lsit' was taken as a step to build; did you mean the command 'list' (dbuild list)?"),
                "\(typo.stderr)")
        try s.write("sub/keep", "")
        let misplaced = try Scenario.run(["-f", "../Datafile", "status"], in: s.path + "/sub")
        #expect(misplaced.status == 2
                && misplaced.stderr.contains("'status' is a dbuild command, not a step: a command comes first on the line — dbuild status -f ../Datafile"),
                "\(misplaced.stderr)")
        let unknownHelp = try s.dbuild("help", "nosuch")
        #expect(unknownHelp.status == 2 && unknownHelp.stderr.contains("no command is named 'nosuch'"), "\(unknownHelp.stderr)")
        let helpAll = try s.dbuild("help", "all")
        #expect(helpAll.status == 0 && helpAll.stdout.contains("Build what is missing or stale") && helpAll.stdout.contains("--keep-temporary"))
    }

    @Test func theTopHelpShowsTheBuildFlags() throws {
        let help = try Self.project().dbuild("--help")
        #expect(help.status == 0)
        for flag in ["-n, --dry-run", "-j <n>", "-k, --keep-going", "-B, --always-make", "--backend <b>", "--wait", "dbuild help build"] {
            #expect(help.stdout.contains(flag), "\(flag) in \(help.stdout)")
        }
    }

    /// `all` selects everything: beside other targets it is said locally and refused on SLURM (where
    /// it would submit everything) before anything is submitted; `--wait` on a local build is refused.
    @Test func allBesideOtherTargetsAndSlurmOptionsOnALocalBuildAreCaught() throws {
        let s = try Self.project()
        let local = try s.dbuild("all", "sim/r1", "-n")
        #expect(local.status == 0 && local.stderr.contains("warning: 'all' is a target that selects every step, so sim/r1 adds nothing"),
                "\(local.stderr)")
        let slurm = try s.dbuild("all", "sim/r1", "--backend", "slurm")
        #expect(slurm.status == 2 && slurm.stderr.contains("on SLURM that submits everything: name only the targets you mean"), "\(slurm.stderr)")
        #expect(!s.exists(".dbuild/slurm") && !s.exists("sim/r1.txt"), "nothing submitted, nothing run")
        let wait = try s.dbuild("all", "--wait")
        #expect(wait.status == 2 && wait.stderr.contains("--wait is for SLURM, and this build runs here: add --backend slurm"), "\(wait.stderr)")
        #expect(!s.exists("sim/r1.txt"))
    }

    @Test func dbuildFindsTheDatafileAboveAndSaysWhere() throws {
        let s = try Self.project()
        try s.write("analysis/deep/notes.txt", "")
        let below = try Scenario.run(["all"], in: s.path + "/analysis/deep")
        #expect(below.status == 0 && below.stderr.contains("dbuild: using \(s.path)/Datafile"), "\(below.stdout)\(below.stderr)")
        #expect(s.read("sim/r1.txt") == "r1\n", "the recipes ran in the project's folder")
        let nowhere = try Scenario("empty")
        let none = try nowhere.dbuild("all")
        #expect(none.status == 2 && none.stderr.contains("or start a project here with `dbuild init`"), "\(none.stderr)")
    }

    /// `Datafile` and `Datafile.swift` are one file under two names: init refuses to write the second,
    /// and a folder holding both is warned of on every command.
    @Test func aSecondDatafileIsRefusedByInitAndWarnedOf() throws {
        let s = try Scenario("empty")
        try s.write("Datafile.swift", Self.datafile)
        let initialised = try s.dbuild("init")
        #expect(initialised.status == 2 && initialised.stderr.contains("Datafile.swift is already this folder's Datafile"), "\(initialised.stderr)")
        #expect(!s.exists("Datafile"))
        try s.write("Datafile", Self.datafile)
        let both = try s.dbuild("all", "-n")
        #expect(both.stderr.contains("holds both Datafile and Datafile.swift; dbuild reads Datafile"), "\(both.stderr)")
    }

    @Test func initWritesAGitignoreForDbuildsOwnFiles() throws {
        let s = try Scenario("empty")
        try s.write(".gitignore", "*.o")
        #expect(try s.dbuild("init").status == 0)
        #expect(s.read(".gitignore") == "*.o\n# dbuild's state, caches and logs (products are yours to decide)\n.dbuild/\nlogs/\n")
        #expect(try s.dbuild("all").status == 0)
    }

    @Test func aLocalStepSizedForAClusterNodeIsSaid() throws {
        let s = try Scenario("empty")
        try s.write("Datafile", """
            import Rules
            Rule("big") { s in
                s.outputs = ["big.txt"]
                s.recipe = "echo big > {output}"
            }
            .resources(cpus: 4096, memory: "64T")
            """)
        let build = try s.dbuild("all")
        #expect(build.status == 0, "it runs, alone: \(build.stdout)\(build.stderr)")
        #expect(build.stderr.contains("warning: rule big (Datafile:2) asks for 4096 cores (this machine has"), "\(build.stderr)")
        #expect(build.stderr.contains("--backend slurm runs them where they fit"))
    }

    /// Once nothing runs or waits, `status --watch` ends by itself (and says so); a project that
    /// never used SLURM counts no SLURM submissions among dbuild's own files.
    @Test func aWatchOfSettledWorkEndsAndALocalProjectHasNoSubmissions() throws {
        let s = try Self.project()
        #expect(try s.dbuild("all").status == 0)
        let watch = try s.dbuild("status", "--watch", "1")
        #expect(watch.status == 0 && watch.stdout.contains("Nothing is running or queued: the watch ends (--keep-watching watches on)."),
                "\(watch.stdout)")
        #expect(watch.stdout.components(separatedBy: "--- dbuild status ").count == 2, "one look: \(watch.stdout)")
        let status = try s.dbuild("status")
        #expect(status.stdout.contains("dbuild's own files: ") && !status.stdout.contains("SLURM submissions"), "\(status.stdout)")
    }

    /// A dry run beside a build in progress calls its running steps running, not interrupted; `why`
    /// names a tool as a tool; the summary of a build stopped by Ctrl-C counts the stopped steps.
    @Test func messagesBesideARunningBuildAndAfterCtrlCTellTheTruth() throws {
        let s = try Scenario("empty")
        try s.write("Datafile", """
            import Rules
            Rule("slow", over: ["i": [1, 2]]) { s in
                s.tools = ["step.sh"]
                s.outputs = ["slow/\\(s.i).txt"]
                s.recipe = "sh {tool} {i} > {output}"
            }
            """)
        try s.write("step.sh", "echo $1\n")
        #expect(try s.dbuild("all").status == 0)
        try s.touch("step.sh")
        let why = try s.dbuild("why", "slow/1")
        #expect(why.stdout.contains("slow/1 will run: tool newer: step.sh"), "\(why.stdout)")

        try s.write("step.sh", "touch began-$1; sleep 30; echo $1\n")
        let build = Process()
        build.executableURL = URL(fileURLWithPath: Scenario.executable)
        build.arguments = ["all"]
        build.currentDirectoryURL = URL(fileURLWithPath: s.path)
        _ = FileManager.default.createFile(atPath: s.path + "/build.out", contents: nil)
        build.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: s.path + "/build.out"))
        try build.run()
        defer { if build.isRunning { build.interrupt() }; build.waitUntilExit() }
        #expect(Waiting.until(30) { s.exists("began-1") && s.exists("began-2") }, "both steps running")
        let dry = try s.dbuild("all", "-n")
        #expect(dry.stdout.contains("running now in another dbuild of this project") && !dry.stdout.contains("interrupted"), "\(dry.stdout)")
        build.interrupt()
        build.waitUntilExit()
        #expect(build.terminationStatus == 130)
        let summary = s.read("build.out") ?? ""
        #expect(summary.contains("0 run, 0 up to date, 0 failed, 2 stopped"), "\(summary)")
    }
}


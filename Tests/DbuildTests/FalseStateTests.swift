import Foundation
import Testing

/// Issue 25, item 6: the false states a new user met, each fixed at its root.
@Suite struct FalseStateTests {
    /// The recipe removes and recreates its output's folder. A folder handle opened before it ran
    /// named the removed folder, so the new file was "not written", the step failed with its product
    /// on disk, and (without a record) later runs called it up to date and never ran an edited recipe.
    @Test func aRecipeThatReplacesItsOutputFolderSucceedsAndAnEditRerunsIt() throws {
        let s = try Scenario("empty")
        try s.write("Datafile", """
            import Rules
            Rule("a") { s in
                s.outputs = ["somedir/test.out"]
                s.recipe = "rm -rf somedir && mkdir -p somedir && echo hi > {output}"
            }
            Rule("b") { s in
                s.inputs = ["somedir/test.out"]
                s.outputs = ["b.txt"]
                s.recipe = "cat {input} > {output}"
            }
            """)
        let first = try s.dbuild("all")
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        #expect(s.read("somedir/test.out") == "hi\n" && s.read("b.txt") == "hi\n")
        #expect(try s.dbuild("all", "-n").stdout.contains("Nothing to do"))
        // A second build over the existing folder (its handle is now the one that gets removed).
        try s.editDatafile(replacing: "echo hi", with: "echo hello")
        let edited = try s.dbuild("all")
        #expect(edited.status == 0, "\(edited.stdout)\(edited.stderr)")
        #expect(Scenario.stepsRun(edited) == ["a", "b"], "\(edited.stdout)")
        #expect(s.read("somedir/test.out") == "hello\n" && s.read("b.txt") == "hello\n")
    }

    /// A product present without a record (copied in by hand) and a failed attempt that never touched
    /// it: the file is kept, and the step is not "up to date" while its last attempt failed.
    @Test func aStepWhoseLastAttemptFailedIsNeverUpToDate() throws {
        let s = try Scenario("empty")
        try s.write("Datafile", """
            import Rules
            Rule("a") { s in
                s.outputs = ["out.txt"]
                s.recipe = "[ -f fixed ] || exit 1; echo made > {output}"
            }
            """)
        try s.write("out.txt", "copied by hand\n")
        #expect(try s.dbuild("all", "-n").stdout.contains("Nothing to do"), "a product without a record is judged like make")
        let failed = try s.dbuild("all", "-B")
        #expect(failed.status == 1)
        #expect(failed.stdout.contains("it wrote into a staging folder, now removed: the 1 product it was to replace is untouched"), "\(failed.stdout)")
        #expect(s.read("out.txt") == "copied by hand\n")
        let dry = try s.dbuild("all", "-n")
        #expect(dry.stdout.contains("last attempt failed"), "\(dry.stdout)")
        #expect(try s.dbuild("why", "a").stdout.contains("a will run: last attempt failed"))
        try s.write("fixed", "")
        #expect(try s.dbuild("all").status == 0)
        #expect(s.read("out.txt") == "made\n")
        #expect(try s.dbuild("all", "-n").stdout.contains("Nothing to do"))
    }

    /// A recipe that leaves a folder (or a named pipe) where a file is declared is told what is on
    /// disk and whether it was kept or removed. Written in place, the folder stays (dbuild never
    /// removes a folder) and the next plan refuses the path; staged, it goes with the staging folder.
    @Test func aFolderOrPipeLeftWhereAFileIsDeclaredGetsATrueMessage() throws {
        let s = try Scenario("empty")
        try s.write("Datafile", """
            import Rules
            Rule("Folder") { s in
                s.outputs = ["made.out"]
                s.recipe = "mkdir -p {output} && echo x > {output}/part.txt"
            }
            .writesInPlace()
            Rule("Pipe") { s in
                s.outputs = ["pipe.out"]
                s.recipe = "mkfifo {output}"
            }
            """)
        let build = try s.dbuild("all", "-k")
        #expect(build.status == 1)
        #expect(build.stdout.contains("FAILED: Folder exited 0 but left a folder at made.out, where a file is declared"), "\(build.stdout)")
        #expect(build.stdout.contains("made.out is a folder the attempt left; dbuild never removes a folder or special file, so it is still on disk"), "\(build.stdout)")
        #expect(build.stdout.contains("FAILED: Pipe exited 0 but left a named pipe at pipe.out, where a file is declared (it was written to .dbuild/staging/"), "\(build.stdout)")
        #expect(build.stdout.contains("and removed with the staging folder)"), "\(build.stdout)")
        #expect(!build.stdout.contains("were removed"), "nothing was removed: \(build.stdout)")
        #expect(s.read("made.out/part.txt") == "x\n", "the folder is still there, as the message says")
        #expect(!s.exists("pipe.out") && !s.exists(".dbuild/staging"), "the pipe went with the staging folder, as the message says")
        let next = try s.dbuild("all", "-n")
        #expect(next.status == 2)
        #expect(next.stderr.contains("exists as a folder, not a regular file"), "\(next.stderr)")
    }
}

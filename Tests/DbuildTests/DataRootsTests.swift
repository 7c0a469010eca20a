import Foundation
import Testing
import TestSupport

/// Issue 14: products under named roots outside the project; disks that move; a half-finished move
/// reconciled by `dbuild relocate` without recomputing.
@Suite struct DataRootsTests {
    /// A folder outside any scenario, removed at the end.
    final class Outside {
        let path = NSTemporaryDirectory() + "dbuild-roots-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    /// Every regular file under a folder: its mtime and content, by relative path.
    static func fingerprints(_ folder: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for name in (try? FileManager.default.subpathsOfDirectory(atPath: folder)) ?? [] {
            let attributes = try FileManager.default.attributesOfItem(atPath: folder + "/" + name)
            guard attributes[.type] as? FileAttributeType == .typeRegular else { continue }
            let mtime = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            result[name] = "\(mtime) " + (FileManager.default.contents(atPath: folder + "/" + name) ?? Data()).base64EncodedString()
        }
        return result
    }

    @Test func theExamplePipelineOnAMovedOrCopiedDiskRebuildsNothingAndHashesNothingAgain() throws {
        let s = try Scenario.examplePipeline()
        let outside = try Outside()
        try FileManager.default.createDirectory(atPath: outside.path + "/lensing", withIntermediateDirectories: true)
        let defaults = s.path + "/machine-defaults"
        let environment = ["DBUILD_DEFAULTS": defaults]
        try s.write("machine-defaults", "root.data = \(outside.path)/lensing\n")
        let build = try s.run(["all", "-q"], environment: environment)
        #expect(build.status == 0, "\(build.stdout)\(build.stderr)")
        #expect(!s.exists("data"), "every product is under the root, outside the project")
        let built = try Self.fingerprints(outside.path + "/lensing")
        #expect(built.count == 103 + 3 * 11 && built["plots/powerspectra.svg"] != nil, "\(built.count) files (3 release folders of 11)")

        // The disk moves (mv): the defaults file says where it is now.
        try FileManager.default.moveItem(atPath: outside.path + "/lensing", toPath: outside.path + "/moved")
        try s.write("machine-defaults", "root.data = \(outside.path)/moved\n")
        let afterMove = try s.run(["all", "-n", "-v"], environment: environment)
        #expect(afterMove.stdout.contains("Nothing to do: all 85 selected steps are up to date"), "\(afterMove.stdout)")
        #expect(afterMove.stdout.contains("Content hashes read: 0 "), "\(afterMove.stdout)")
        #expect(try s.run(["verify", "-q"], environment: environment).status == 0)

        // Copied with cp -a to another disk (new inodes, same sizes and mtimes), the old one gone.
        #expect(try runTool("/bin/cp", ["-a", outside.path + "/moved", outside.path + "/copied"]).status == 0)
        try FileManager.default.removeItem(atPath: outside.path + "/moved")
        try s.write("machine-defaults", "root.data = \(outside.path)/copied\n")
        let afterCopy = try s.run(["all", "-n", "-v"], environment: environment)
        #expect(afterCopy.stdout.contains("Nothing to do: all 85 selected steps are up to date"), "\(afterCopy.stdout)")
        #expect(afterCopy.stdout.contains("Content hashes read: 0 "), "\(afterCopy.stdout)")
        #expect(try s.run(["verify", "-q"], environment: environment).status == 0)
        let again = try s.run(["all"], environment: environment)
        #expect(again.stdout.contains("0 run, 85 up to date"), "\(again.stdout)")
        #expect(try Self.fingerprints(outside.path + "/copied") == built, "every product byte-identical, mtimes kept")

        // The environment overrides the defaults file; a path on disk names a product too.
        let why = try s.run(["why", outside.path + "/copied/LUX/dmo/r0.h5"], environment: ["DBUILD_ROOT_DATA": outside.path + "/copied"])
        #expect(why.status == 0 && why.stdout.contains("LUX/dmo/r0"), "\(why.stdout)\(why.stderr)")
    }

    static let storeDatafile = """
        import Rules
        let store = Root("store", default: "/nonexistent/store")
        Rule("gen", over: ["i": 0..<10]) { s in
            s.outputs = [store["g/\\(s.i).txt"]]
            s.recipe = "echo product {i} > {output}"
        }
        .staleness(.hash)
        Rule("sum") { s in
            s.inputs = s.outputs(of: "gen")
            s.outputs = [store["sum.txt"]]
            s.recipe = "cat {inputs} > {output}"
        }
        .staleness(.hash)
        """

    @Test func aHalfFinishedMoveIsReportedExactlyAndRelocatedWithoutRecomputing() throws {
        let s = try Scenario("empty")
        let outside = try Outside()
        let (new, old) = (outside.path + "/new", outside.path + "/old")
        for folder in [new, old] { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        try s.write("Datafile", Self.storeDatafile)
        #expect(try s.run(["all", "-q"], environment: ["DBUILD_ROOT_STORE": old]).status == 0)
        let environment = ["DBUILD_ROOT_STORE": new + ":" + old]
        // Half moved: 0–3 moved, 4 copied (identical), 5 copied and its old copy changed since, 6–8 lost.
        let fm = FileManager.default
        try fm.createDirectory(atPath: new + "/g", withIntermediateDirectories: true)
        for i in 0...3 { try fm.moveItem(atPath: "\(old)/g/\(i).txt", toPath: "\(new)/g/\(i).txt") }
        for i in 4...5 { #expect(try runTool("/bin/cp", ["-a", "\(old)/g/\(i).txt", "\(new)/g/\(i).txt"]).status == 0) }
        try "scribbled over\n".write(toFile: old + "/g/5.txt", atomically: false, encoding: .utf8)
        for i in 6...8 { try fm.removeItem(atPath: "\(old)/g/\(i).txt") }
        try "not a product\n".write(toFile: old + "/stray.txt", atomically: false, encoding: .utf8)

        let verify = try s.run(["verify"], environment: environment)
        #expect(verify.status == 1, "three products are missing")
        #expect(verify.stdout.contains("\(new) (first: new products go here): 6 products"), "\(verify.stdout)")
        #expect(verify.stdout.contains("\(old): 2 products"), "g/9 and sum are only there: \(verify.stdout)")
        #expect(verify.stdout.contains("in two locations: 2 (1 identical, 1 differing: @store/g/5.txt)"), "\(verify.stdout)")
        #expect(verify.stdout.contains("in no location: 3 (@store/g/6.txt, @store/g/7.txt, @store/g/8.txt)"), "\(verify.stdout)")
        #expect(verify.stdout.contains("files no step declares: 1 (@store/stray.txt)"), "\(verify.stdout)")

        let before = (try Self.fingerprints(new), try Self.fingerprints(old))
        let dry = try s.run(["relocate"], environment: environment)
        #expect(dry.status == 1, "a conflict: \(dry.stdout)\(dry.stderr)")
        #expect(dry.stdout.contains("would move @store/g/9.txt: \(old)/g/9.txt → \(new)/g/9.txt"), "\(dry.stdout)")
        #expect(dry.stdout.contains("would move @store/sum.txt"), "\(dry.stdout)")
        #expect(dry.stdout.contains("CONFLICT @store/g/5.txt"), "\(dry.stdout)")
        #expect(dry.stdout.contains("would move 2, 1 identical copy left, 1 conflict, 3 missing everywhere, 1 undeclared (a dry run"),
                "\(dry.stdout)")
        #expect((try Self.fingerprints(new), try Self.fingerprints(old)) == before, "a dry run changes nothing")

        let applied = try s.run(["relocate", "--apply", "--reports", s.path + "/reports"], environment: environment)
        #expect(applied.status == 1, "the conflict is still one: \(applied.stdout)\(applied.stderr)")
        let after = (try Self.fingerprints(new), try Self.fingerprints(old))
        #expect(after.0["g/9.txt"] == before.1["g/9.txt"] && after.0["sum.txt"] == before.1["sum.txt"], "moved, mtimes kept")
        #expect(after.1["g/9.txt"] == nil && after.1["sum.txt"] == nil)
        #expect(after.1["g/4.txt"] == before.1["g/4.txt"], "the identical old copy is left alone")
        #expect(after.1["g/5.txt"] == before.1["g/5.txt"] && after.0["g/5.txt"] == before.0["g/5.txt"], "a conflict touches neither copy")
        #expect(s.read("reports/moved.tsv")?.split(separator: "\n").count == 3, "header and two moves")
        #expect(s.read("reports/missing.tsv") == "path\tstep\n@store/g/6.txt\tgen/6\n@store/g/7.txt\tgen/7\n@store/g/8.txt\tgen/8\n")
        #expect(s.read("reports/conflicts.tsv")?.contains("@store/g/5.txt\t") == true)
        #expect(s.read("reports/undeclared.tsv") == "path\tfile\n@store/stray.txt\t\(old)/stray.txt\n")

        let rebuild = try s.run(["all"], environment: environment)
        #expect(Scenario.stepsRun(rebuild) == ["gen/6", "gen/7", "gen/8"], "exactly the three gone: \(rebuild.stdout)")
        #expect(fm.fileExists(atPath: new + "/g/7.txt"), "new products go to the first location")
        #expect(try s.run(["verify", "-q"], environment: environment).status == 0)
    }

    /// `--link` leaves each file where it is and links it from the first location; a disk copied
    /// without its mtimes is hashed again once, and hash rules run nothing.
    @Test func relocateCanLinkAndACopyThatLostItsMtimesRerunsNothing() throws {
        let s = try Scenario("empty")
        let outside = try Outside()
        let (new, old, plain) = (outside.path + "/new", outside.path + "/old", outside.path + "/plain")
        for folder in [new, old] { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        try s.write("Datafile", Self.storeDatafile)
        #expect(try s.run(["all", "-q"], environment: ["DBUILD_ROOT_STORE": old]).status == 0)
        let built = try Self.fingerprints(old)
        let environment = ["DBUILD_ROOT_STORE": new + ":" + old]
        let linked = try s.run(["relocate", "--apply", "--link", "--reports", s.path + "/reports"], environment: environment)
        #expect(linked.status == 0 && linked.stdout.contains("linked 11,"), "\(linked.stdout)\(linked.stderr)")
        let link = try FileManager.default.destinationOfSymbolicLink(atPath: new + "/g/3.txt")
        #expect(link == old + "/g/3.txt", "the first location links to the file where it is")
        #expect(try Self.fingerprints(old) == built, "nothing moved or changed")
        #expect(try s.run(["all", "-n"], environment: environment).stdout.contains("Nothing to do"))

        #expect(try runTool("/bin/cp", ["-r", old, plain]).status == 0)     // no -a: new mtimes
        let copied = ["DBUILD_ROOT_STORE": plain]
        let plan = try s.run(["all", "-n", "-v"], environment: copied)
        #expect(plan.stdout.contains("Nothing to do") && plan.stdout.contains("Content hashes read: 11 "), "\(plan.stdout)")
        let build = try s.run(["all"], environment: copied)
        #expect(build.stdout.contains("0 run, 11 up to date"), "\(build.stdout)")
    }

    @Test func relocateKilledMidwayAndRunAgainEndsAsAnUninterruptedRun() throws {
        let s = try Scenario("empty")
        let outside = try Outside()
        let (new, old) = (outside.path + "/new", outside.path + "/old")
        for folder in [new, old] { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        try s.write("Datafile", """
            import Rules
            let store = Root("store", default: "/nonexistent/store")
            Rule("gen", over: ["i": 0..<300]) { s in
                s.outputs = [store["g/\\(s.i).bin"]]
                s.recipe = "head -c 262144 /dev/urandom > {output}"
            }
            .staleness(.hash)
            """)
        #expect(try s.run(["all", "-q"], environment: ["DBUILD_ROOT_STORE": old]).status == 0)
        let original = try Self.fingerprints(old)
        // The other filesystem's path (copy, check, rename, then remove the source) on one filesystem.
        let environment = ["DBUILD_ROOT_STORE": new + ":" + old, "DBUILD_RELOCATE_COPY": "1"]
        let journal = s.path + "/.dbuild/relocate.journal"
        let first = try s.launch("relocate", "--apply", environment: environment) {
            (try? String(contentsOfFile: journal, encoding: .utf8))?.split(separator: "\n").count ?? 0 >= 40
        }
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        let done = try Self.fingerprints(new).keys.filter { !$0.hasSuffix(".dbuild-relocating") }.count
        #expect(done > 0 && done < 300, "killed midway: \(done) moved")

        let second = try s.run(["relocate", "--apply", "--reports", s.path + "/reports"], environment: environment)
        #expect(second.status == 0, "\(second.stdout)\(second.stderr)")
        let moved = (s.read("reports/moved.tsv") ?? "").split(separator: "\n").count - 1
        #expect(moved == 300 - done, "nothing moved twice: \(moved) after \(done)")
        #expect(try Self.fingerprints(new) == original, "every product in the first location, byte-identical, mtimes kept")
        #expect(try Self.fingerprints(old).isEmpty, "no copy left behind, no partial file")
        let plan = try s.run(["all", "-n", "-v"], environment: environment)
        #expect(plan.stdout.contains("Nothing to do") && plan.stdout.contains("Content hashes read: 0 "), "\(plan.stdout)")
    }

    @Test func badRootsAreRefusedWithExitTwoAndChangeNothing() throws {
        let s = try Scenario("empty")
        let outside = try Outside()
        try s.write("Datafile", Self.storeDatafile)
        func refused(_ environment: [String: String], _ expected: String, datafile: String? = nil) throws {
            if let datafile { try s.write("Datafile", datafile) }
            let before = try Self.fingerprints(outside.path)
            let result = try s.run(["all"], environment: environment)
            #expect(result.status == 2, "\(expected): \(result.stdout)\(result.stderr)")
            #expect(result.stderr.contains(expected), "\(result.stderr)")
            #expect(!s.exists(".dbuild/state.db"), "nothing recorded")
            #expect(try Self.fingerprints(outside.path) == before, "nothing written")
        }
        try refused([:], "root store is at /nonexistent/store (Datafile:2), which is not a folder that exists")
        // Not writable: a read-only mount (root ignores permission bits), else a folder without write permission.
        let readOnly = outside.path + "/read-only"
        try FileManager.default.createDirectory(atPath: readOnly, withIntermediateDirectories: true)
        if geteuid() == 0 {
            #expect(try runTool("/bin/sh", ["-c", "mount --bind '\(readOnly)' '\(readOnly)' && mount -o remount,bind,ro '\(readOnly)'"]).status == 0)
        } else {
            chmod(readOnly, 0o555)
        }
        defer { if geteuid() == 0 { _ = try? runTool("/bin/umount", [readOnly]) } }
        try refused(["DBUILD_ROOT_STORE": readOnly], "root store is at \(readOnly), which this user cannot write")
        try "a file".write(toFile: outside.path + "/file", atomically: false, encoding: .utf8)
        try refused(["DBUILD_ROOT_STORE": outside.path + "/file"], "which is not a folder that exists")
        try refused(["DBUILD_ROOT_STORE": ".dbuild/store"], "inside .dbuild/, which belongs to dbuild")
        try FileManager.default.createDirectory(atPath: outside.path + "/a/b", withIntermediateDirectories: true)
        try refused(["DBUILD_ROOT_ONE": outside.path + "/a", "DBUILD_ROOT_TWO": outside.path + "/a/b"],
                    "roots one and two overlap", datafile: """
            import Rules
            let one = Root("one", default: "/nonexistent")
            let two = Root("two", default: "/nonexistent")
            Rule("x") { s in s.outputs = [one["x"], two["y"]]; s.recipe = "touch {outputs}" }
            """)
        try refused([:], "no root named elsewhere is declared", datafile: """
            import Rules
            Rule("x") { s in s.outputs = ["@elsewhere/x"]; s.recipe = "touch {outputs}" }
            """)
    }
}

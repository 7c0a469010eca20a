import Foundation
import Testing
import Targets

/// Issue 7, part 6: the file system fills up during a build (a 4 MB tmpfs holds the whole project).
/// The failing steps are reported, nothing incomplete is recorded as built, and once space is freed
/// the build resumes and completes. Needs root, for mount(8).
@Suite struct DiskFullTests {
    static let datafile = """
        import Rules
        Rule("W", over: ["i": 0..<20]) { s in
            s.outputs = ["w/\\(s.i).bin"]
            s.recipe = "head -c 102400 /dev/zero > {output}"
        }
        .expect(minBytes: 102400)
        """

    @Test(.enabled(if: getuid() == 0, "mounting a small tmpfs needs root"))
    func fullDiskFailsStepsRecordsNothingHalfMadeAndResumesWhenFreed() throws {
        var template = Array("/tmp/dbuild-diskfull-XXXXXX".utf8CString)
        let root = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
        #expect(try runTool("/bin/mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", root]).status == 0)
        defer {
            _ = try? runTool("/bin/umount", ["-l", root])
            rmdir(root)
        }
        try Self.datafile.write(toFile: root + "/Datafile", atomically: false, encoding: .utf8)
        let project = Scenario.Project(path: root)
        #expect(try project.dbuild("all", "-n").status == 0)          // the Datafile is compiled and cached
        // Fill the disk, then free 300 KB: room for two or three of the twenty 100 KB products.
        _ = try runTool("/bin/sh", ["-c", "cd \(root) && head -c 8000000 /dev/zero > filler 2>/dev/null; "
                                    + "truncate -s -300K filler && sync"])
        let full = try project.dbuild("all", "-k", "-j", "1")
        #expect(full.status == 1, "\(full.stdout)\(full.stderr)")
        #expect(full.stdout.contains("FAILED: W/"), "\(full.stdout)")
        let recorded = try StateStore(path: root + "/.dbuild/state.db", readOnly: true).loadRecords()
        #expect(recorded.count < 20)
        for name in recorded.keys {
            let index = name.dropFirst(2)
            let size = (try? FileManager.default.attributesOfItem(atPath: "\(root)/w/\(index).bin")[.size] as? Int) ?? -1
            #expect(size == 102400, "\(name) is recorded as built, so its product must be whole (\(size) bytes)")
        }
        for file in (try? FileManager.default.contentsOfDirectory(atPath: root + "/w")) ?? [] {
            let size = (try FileManager.default.attributesOfItem(atPath: "\(root)/w/\(file)")[.size] as? Int) ?? -1
            #expect(size == 102400, "no half-written product is left behind: w/\(file) has \(size) bytes")
        }
        unlink(root + "/filler")
        let resumed = try project.dbuild("all")
        #expect(resumed.status == 0, "\(resumed.stdout)\(resumed.stderr)")
        #expect(resumed.stdout.contains("\(20 - recorded.count) run"), "only what was not built runs: \(resumed.stdout)")
        #expect(try project.dbuild("verify").status == 0)
        #expect(try StateStore(path: root + "/.dbuild/state.db", readOnly: true).integrityCheck() == "ok")
    }
}

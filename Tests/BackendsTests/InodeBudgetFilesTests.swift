import Foundation
import Testing
@testable import Backends
import Targets
import TestSupport

/// The two append-only files of issue 16, read back after every way a writer can stop.
@Suite struct TaskResultFileTests {
    func result(_ name: String, exit: Int = 0) -> StepResult {
        StepResult(name: name, array: 0, task: 0, exitStatus: exit, missingOutputs: [], seconds: 1, host: "h", finishedAt: 1)
    }

    @Test func latestLinePerPositionCountsAndATornLastLineNamesItsStep() throws {
        let folder = TemporaryDirectory()
        let path = folder.path + "/results/0.0.jsonl"
        let marker = StartMarker(before: OutputSnapshot([], in: InMemoryFileSystem()), startedAt: 5)
        try TaskResultFile.appendStarted(marker, position: 0, to: path)
        try TaskResultFile.appendResult(result("A/0"), position: 0, to: path)
        try TaskResultFile.appendStarted(marker, position: 1, to: path)
        var reader = TaskResults()
        reader.readMore(path)
        #expect(reader.results[0]?.name == "A/0" && reader.started[1] != nil && reader.results[1] == nil)
        // The writer killed while appending position 1's result: half a line.
        let half = "{\"position\":1,\"result\":{\"exitSt"
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(half.utf8))
        try handle.close()
        reader.readMore(path)
        #expect(reader.incompleteLine == 1 && reader.results[0]?.name == "A/0", "the earlier result stays readable")
        #expect(reader.started[1] != nil, "the step still counts as started, not finished")
        // Requeued: the task ends the torn line and appends a new start and result on lines of their own.
        try TaskResultFile.appendStarted(marker, position: 1, to: path)
        reader.readMore(path)
        #expect(reader.started[1] != nil && reader.unreadable[1] == nil && reader.incompleteLine == nil, "the start line stands alone")
        try TaskResultFile.appendResult(result("A/1", exit: 3), position: 1, to: path)
        reader.readMore(path)
        #expect(reader.results[1]?.exitStatus == 3 && reader.started[1] == nil && reader.incompleteLine == nil)
        #expect(reader.consumed == Int64(try Data(contentsOf: URL(fileURLWithPath: path)).count), "read incrementally to the end")
        let whole = TaskResults.read(path)
        #expect(whole.results == reader.results, "reading in pieces and at once agree")
    }

    @Test func aDamagedLineIsUnreadableForItsPositionOnly() throws {
        let folder = TemporaryDirectory()
        let path = folder.path + "/0.0.jsonl"
        try TaskResultFile.appendResult(result("A/0"), position: 0, to: path)
        try folder.write("extra", "")
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"position\":1,\"result\":\u{0}garbage\n\u{1}\u{2}\n".utf8))
        try handle.close()
        let reader = TaskResults.read(path)
        #expect(reader.results[0]?.name == "A/0")
        #expect(reader.unreadable[1]?.contains("cannot be read") == true && reader.reading(1) != .absent)
        #expect(reader.reading(2) == .absent, "a line naming no position names none")
    }

    @Test func locatorsSplitAndLegacyPathsDoNot() {
        #expect(TaskResultFile.split("/p/results/3.4.jsonl#7")! == ("/p/results/3.4.jsonl", 7))
        #expect(TaskResultFile.split("/p/results/3.4.7.json") == nil)
    }
}

@Suite struct LogPackTests {
    @Test func aLogPackedBeforeItsIndexLineIsFoundAndATornEntryIsSkipped() throws {
        let folder = TemporaryDirectory()
        let packs = folder.path + "/packs"
        try folder.write("a.log", "alpha\n")
        try folder.write("b.log", "beta\n")
        try folder.write("empty.log", "")
        let writer = LogPackWriter(folder: packs, name: "build-1")
        writer.take(step: "R/a", logPath: folder.path + "/a.log")
        writer.take(step: "R/empty", logPath: folder.path + "/empty.log")
        #expect(folder.exists("a.log"), "a packed log stays until the pack is closed")
        writer.take(step: "R/b", logPath: folder.path + "/b.log")
        writer.close()
        #expect(!folder.exists("a.log") && !folder.exists("b.log") && !folder.exists("empty.log"))
        #expect(StepLogs.latest(step: "R/b", plainPath: folder.path + "/none", packsFolder: packs)?.text() == "beta\n")
        #expect(StepLogs.latest(step: "R/empty", plainPath: folder.path + "/none", packsFolder: packs) == nil, "empty logs are not kept")
        // dbuild killed after writing b's entry but before its index line; then while writing a third.
        let index = packs + "/build-1.index"
        let lines = try String(contentsOfFile: index, encoding: .utf8).split(separator: "\n")
        try (lines[0] + "\n").write(toFile: index, atomically: true, encoding: .utf8)
        let handle = try #require(FileHandle(forWritingAtPath: packs + "/build-1.pack"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("dbuild-log 100 5.000 R/c\nonly part".utf8))
        try handle.close()
        #expect(StepLogs.latest(step: "R/b", plainPath: folder.path + "/none", packsFolder: packs)?.text() == "beta\n",
                "found past the index")
        #expect(StepLogs.latest(step: "R/c", plainPath: folder.path + "/none", packsFolder: packs) == nil, "the torn entry is skipped")
        #expect(StepLogs.latest(step: "R/a", plainPath: folder.path + "/none", packsFolder: packs)?.text() == "alpha\n")
    }

    @Test func aKilledWritersPackIsFinishedAndOldPacksMergeKeepingTheLatest() throws {
        let folder = TemporaryDirectory()
        let packs = folder.path + "/packs"
        try folder.write("x.log", "first\n")
        let killed = LogPackWriter(folder: packs, name: "build-1")
        killed.take(step: "X", logPath: folder.path + "/x.log")
        // Not closed (killed): its plain log is still there; the next build finishes the pack.
        #expect(folder.exists("x.log"))
        LogPackWriter.finishKilled(folder: packs, name: "build-1") { $0 == "X" ? folder.path + "/x.log" : nil }
        #expect(!folder.exists("x.log"), "packed and unchanged since: removed")
        try folder.write("x.log", "second\n")
        let next = LogPackWriter(folder: packs, name: "build-2")
        next.take(step: "X", logPath: folder.path + "/x.log")
        next.close()
        let merged = LogPackGC.merge(folder: packs, olderThan: 0, inUse: { _ in false })
        #expect(merged == 2)
        let names = try FileManager.default.contentsOfDirectory(atPath: packs)
        #expect(names.count == 2 && names.allSatisfy { $0.hasPrefix("archive-") }, "\(names)")
        let all = StepLogs.all(step: "X", plainPath: folder.path + "/none", packsFolder: packs)
        #expect(all.compactMap { $0.text() } == ["second\n"], "the latest attempt is kept")
        #expect(LogPackGC.merge(folder: packs, olderThan: 0, inUse: { _ in false }) == 0, "one archive: nothing to merge")
    }
}

import Foundation
import Testing
@testable import Targets
import TestSupport

@Suite struct StateStoreTests {
    @Test func recordsSurviveReopeningTheFile() throws {
        let dir = TemporaryDirectory()
        let path = dir.path + "/state.db"
        do {
            let store = try StateStore(path: path)
            try store.markStarted(["A/1", "A/2"], at: 10)
            try store.recordSuccess("A/1", StepRecord(signature: 42, inputHashes: [1, UInt64.max], outputHashes: [7],
                                                      finishedAt: 11, duration: 1.5))
            try store.saveHashes(["x": CachedHash(size: 3, mtimeNanos: 4, inode: 5, hash: 6)])
        }
        let reopened = try StateStore(path: path, readOnly: true)
        #expect(try reopened.loadRecords() == ["A/1": StepRecord(signature: 42, inputHashes: [1, UInt64.max],
                                                                 outputHashes: [7], finishedAt: 11, duration: 1.5)])
        #expect(try reopened.loadInterrupted() == ["A/2"])
        #expect(try reopened.loadHashCache()["x"]?.hash == 6)
        #expect(try reopened.integrityCheck() == "ok")
    }

    @Test func readOnlyOpenOfAMissingFileCreatesNothing() throws {
        let dir = TemporaryDirectory()
        let store = try StateStore(path: dir.path + "/state.db", readOnly: true)
        #expect(try store.loadRecords().isEmpty)
        #expect(!dir.exists("state.db"))
    }

    @Test func garbageFileGivesAMessageWithAWayForward() throws {
        let dir = TemporaryDirectory()
        try dir.write("state.db", String(repeating: "not a database ", count: 100))
        #expect {
            _ = try StateStore(path: dir.path + "/state.db")
        } throws: { error in
            "\(error)".contains("cannot be read as dbuild state")
        }
    }

    /// A failed attempt removes what it touched; the last successful record stays, so the products
    /// it never touched keep what is known of them.
    @Test func failureKeepsTheLastSuccessfulRecordAndSuccessClearsTheFailure() throws {
        let store = try StateStore(path: ":memory:")
        try store.recordSuccess("S", StepRecord(signature: 1))
        try store.recordFailure("S", FailureRecord(exitStatus: 2, logPath: "logs/S.log", message: "failed", failedAt: 0))
        #expect(try store.loadRecords()["S"]?.signature == 1)
        #expect(try store.loadFailures()["S"]?.exitStatus == 2)
        try store.recordSuccess("S", StepRecord(signature: 1))
        #expect(try store.loadFailures().isEmpty)
    }
}

@Suite struct ContentHashTests {
    @Test func diskHashIsXXH3OfTheBytesAndCachedByFileFacts() throws {
        let dir = TemporaryDirectory()
        try dir.write("a.txt", "hello")
        let fs = DiskFileSystem(root: dir.path)
        let expected = Array("hello".utf8).withUnsafeBytes { xxh3Raw($0.baseAddress, $0.count) }
        #expect(fs.contentHash("a.txt") == expected)
        let hashes = ContentHashes(fileSystem: fs, cache: [:])
        #expect(hashes.hash("a.txt") == expected)
        #expect(hashes.hash("a.txt") == expected)
        #expect(hashes.filesRead == 1)
        #expect(hashes.hash("missing.txt") == nil)
    }
}

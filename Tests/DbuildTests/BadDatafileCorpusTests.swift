import Foundation
import Testing

/// Issue 7, part 5: every Datafile in Fixtures/bad-datafiles is refused — exit 2, a message that holds
/// each of the file's `// expect:` lines (the place and the problem), and a project that had a
/// finished build in it left exactly as it was (products, state, logs: fingerprinted). A
/// `// setup:` line is a shell command run in the project first (e.g. to plant a link to /dev/null).
@Suite struct BadDatafileCorpusTests {
    static let corpus = Scenario.fixtures + "/bad-datafiles"
    static let cases = ((try? FileManager.default.contentsOfDirectory(atPath: corpus)) ?? []).filter { $0.hasSuffix(".swift") }.sorted()

    @Test func corpusHoldsAtLeastThirtyBrokenDatafiles() {
        #expect(Self.cases.count >= 30)
    }

    @Test(arguments: cases)
    func brokenDatafileIsRefusedAndChangesNothing(_ file: String) throws {
        let text = try String(contentsOfFile: Self.corpus + "/" + file, encoding: .utf8)
        let expected = text.split(separator: "\n").filter { $0.hasPrefix("// expect: ") }.map { String($0.dropFirst("// expect: ".count)) }
        #expect(!expected.isEmpty, "\(file) has no // expect: line")
        let s = try Scenario("lensing-chain")
        let built = try s.dbuild("all", "-q")
        #expect(built.status == 0, "\(built.stderr)")
        for setup in text.split(separator: "\n").filter({ $0.hasPrefix("// setup: ") }) {
            #expect(try runTool("/bin/sh", ["-c", "cd '\(s.path)' && " + setup.dropFirst("// setup: ".count)]).status == 0)
        }
        try s.write("Datafile", text)
        let before = try s.treeFingerprint()
        let result = try s.run(["all"], environment: ["DBUILD_EVAL_TIMEOUT": "3"])
        #expect(result.status == 2, "\(file): exit \(result.status)\n\(result.stdout)\(result.stderr)")
        for line in expected {
            #expect(result.stderr.contains(line), "\(file): the message lacks \"\(line)\":\n\(result.stderr)")
        }
        #expect(try s.treeFingerprint() == before, "\(file): nothing changed")
        #expect(FileManager.default.fileExists(atPath: "/dev/null"))
    }
}

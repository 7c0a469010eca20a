import Foundation
import Testing

/// Issue 26: the README's examples that show output cannot drift from what the tool prints. Each
/// ```console block after a `<!-- doctest -->` line runs in a fresh empty folder, `dbuild` on the
/// PATH: every `$ command` runs (stdout and stderr together), and its output must be the lines
/// under it, where `…` in a line stands for any text (timings). After `<!-- doctest: example
/// pipeline -->` the folder holds the repository's Datafile (the example pipeline) first.
@Suite struct ReadmeDocTests {
    struct Block {
        let line: Int
        /// `<!-- doctest: example pipeline -->`: the folder holds the repository's Datafile first.
        var examplePipeline = false
        var steps: [(command: String, expected: [String])] = []
    }

    static let readme: String = {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return (try? String(contentsOf: repository.appendingPathComponent("README.md"), encoding: .utf8)) ?? ""
    }()

    static var blocks: [Block] {
        let lines = readme.components(separatedBy: "\n")
        var blocks: [Block] = []
        var i = 0
        while i < lines.count {
            let marker = lines[i].trimmingCharacters(in: .whitespaces)
            guard marker == "<!-- doctest -->" || marker == "<!-- doctest: example pipeline -->", i + 1 < lines.count,
                  lines[i + 1].hasPrefix("```console") else { i += 1; continue }
            var block = Block(line: i + 1, examplePipeline: marker.contains("example pipeline"))
            i += 2
            while i < lines.count && !lines[i].hasPrefix("```") {
                if lines[i].hasPrefix("$ ") {
                    block.steps.append((String(lines[i].dropFirst(2)), []))
                } else if !block.steps.isEmpty {
                    block.steps[block.steps.count - 1].expected.append(lines[i])
                }
                i += 1
            }
            blocks.append(block)
        }
        return blocks
    }

    /// `…` stands for any text; everything else must match exactly.
    static func matches(_ actual: String, _ expected: String) -> Bool {
        let pieces = expected.components(separatedBy: "…")
        guard pieces.count > 1 else { return actual == expected }
        guard actual.hasPrefix(pieces[0]), actual.hasSuffix(pieces.last!) else { return false }
        var rest = actual.dropFirst(pieces[0].count)
        for piece in pieces.dropFirst().dropLast() {
            guard let found = rest.range(of: piece) else { return false }
            rest = rest[found.upperBound...]
        }
        return rest.count >= pieces.last!.count
    }

    @Test func theReadmeHasCheckedExamples() {
        #expect(Self.blocks.count >= 1, "README.md has <!-- doctest --> blocks")
        #expect(Self.blocks.allSatisfy { !$0.steps.isEmpty })
    }

    @Test(arguments: blocks.indices)
    func readmeExampleRunsAsShown(_ index: Int) throws {
        let block = Self.blocks[index]
        let s = try block.examplePipeline ? Scenario.examplePipeline() : Scenario("empty")
        let bin = (Scenario.executable as NSString).deletingLastPathComponent
        let path = bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        for step in block.steps {
            let result = try runTool("/bin/sh", ["-c", "export PATH='\(path)' NO_COLOR=1; cd '\(s.path)' && { \(step.command)\n} 2>&1"])
            var actual = result.output.components(separatedBy: "\n")
            if actual.last == "" { actual.removeLast() }
            var expected = step.expected
            while expected.last == "" { expected.removeLast() }
            let same = actual.count == expected.count && zip(actual, expected).allSatisfy { Self.matches($0, $1) }
            #expect(same, "README.md:\(block.line): `\(step.command)` printed:\n\(actual.joined(separator: "\n"))\n— the README shows:\n\(expected.joined(separator: "\n"))")
        }
    }
}

import Foundation
import Testing
import TestSupport

/// A copy of one fixture project in a fresh temporary folder, and the real `dbuild` run in it.
final class Scenario {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden").path

    /// The dbuild built beside this test binary (`swift build --build-tests` builds both).
    static let executable: String = {
        let dir = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        // The test binary may sit inside an .xctest bundle folder or directly in the build folder.
        for candidate in [dir, dir.deletingLastPathComponent(), dir.deletingLastPathComponent().deletingLastPathComponent()] {
            let path = candidate.appendingPathComponent("dbuild").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return dir.appendingPathComponent("dbuild").path
    }()

    let directory = TemporaryDirectory("dbuild-scenario")
    var path: String { directory.path }

    init(_ fixture: String) throws {
        let source = Scenario.fixtures + "/" + fixture
        for item in try FileManager.default.contentsOfDirectory(atPath: source) {
            try FileManager.default.copyItem(atPath: source + "/" + item, toPath: path + "/" + item)
        }
    }

    /// A project holding a copy of the repository's own Datafile (the example pipeline), with the
    /// built dsynth linked where that Datafile expects it.
    static func examplePipeline() throws -> Scenario {
        let s = try Scenario("empty")
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        for file in ["Datafile", "models.csv"] {
            try FileManager.default.copyItem(atPath: repository + "/" + file, toPath: s.path + "/" + file)
        }
        try FileManager.default.createDirectory(atPath: s.path + "/.build/debug", withIntermediateDirectories: true)
        let dsynth = (executable as NSString).deletingLastPathComponent + "/dsynth"
        try FileManager.default.createSymbolicLink(atPath: s.path + "/.build/debug/dsynth", withDestinationPath: dsynth)
        return s
    }

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    @discardableResult
    func dbuild(_ arguments: String..., input: String? = nil) throws -> Result {
        try run(arguments)
    }

    func run(_ arguments: [String], environment extra: [String: String] = [:]) throws -> Result {
        try Scenario.run(arguments, in: path, environment: extra)
    }

    /// A project folder made by the test itself (e.g. on a file system it mounted).
    struct Project {
        let path: String
        @discardableResult
        func dbuild(_ arguments: String...) throws -> Result { try Scenario.run(arguments, in: path) }
    }

    static func run(_ arguments: [String], in path: String, environment extra: [String: String] = [:],
                    executable: String = Scenario.executable) throws -> Result {
        #expect(FileManager.default.isExecutableFile(atPath: executable), "build dbuild first: swift build --build-tests")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: path)
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        environment.merge(extra) { $1 }
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read before waiting, so a full pipe cannot block the child.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Starts dbuild in the background (its output discarded) and returns once `ready` holds, or
    /// after 30 s.
    func launch(_ arguments: String..., environment extra: [String: String] = [:], until ready: () -> Bool) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Scenario.executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: path)
        if !extra.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(extra) { $1 } }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while !ready() && Date() < deadline { usleep(50_000) }
        return process
    }

    /// Step names from the "[k/N] name" lines of a build's output (not "[k/N] 3 steps not run: …").
    static func stepsRun(_ result: Result) -> Set<String> {
        Set(result.stdout.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("["), let close = line.firstIndex(of: "]"), !line.hasSuffix("came out unchanged") else { return nil }
            return String(line[line.index(close, offsetBy: 2)...])
        })
    }

    func write(_ relative: String, _ text: String) throws { try directory.write(relative, text) }
    func read(_ relative: String) -> String? { directory.read(relative) }
    func exists(_ relative: String) -> Bool { directory.exists(relative) }

    func remove(_ relative: String) throws { try FileManager.default.removeItem(atPath: path + "/" + relative) }

    /// Sets a file's mtime a little in the future, as an edit would.
    func touch(_ relative: String, secondsAhead: Double = 2) throws {
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(secondsAhead)],
                                              ofItemAtPath: path + "/" + relative)
    }

    func editDatafile(replacing old: String, with new: String) throws {
        let text = try #require(read("Datafile"))
        #expect(text.contains(old))
        try write("Datafile", text.replacingOccurrences(of: old, with: new))
    }

    /// Every file's path, size, mtime and bytes, except dbuild's evaluator cache and lock file: what
    /// "nothing changed" means for products and state.
    func treeFingerprint() throws -> [String: String] {
        var result: [String: String] = [:]
        let enumerator = FileManager.default.enumerator(atPath: path)!
        while let relative = enumerator.nextObject() as? String {
            if relative.hasPrefix(".dbuild/datafile") || relative.hasPrefix(".dbuild/lock") { continue }
            let full = path + "/" + relative
            let attributes = try FileManager.default.attributesOfItem(atPath: full)
            guard attributes[.type] as? FileAttributeType == .typeRegular else { continue }
            let data = FileManager.default.contents(atPath: full) ?? Data()
            let mtime = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            result[relative] = "\(data.count) \(mtime) \(data.base64EncodedString())"
        }
        return result
    }

    /// Compares with a golden file; `DBUILD_UPDATE_GOLDEN=1` rewrites it instead.
    static func expectGolden(_ text: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let file = golden + "/" + name
        if ProcessInfo.processInfo.environment["DBUILD_UPDATE_GOLDEN"] == "1" {
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOfFile: file, encoding: .utf8)
        #expect(text == expected, "differs from Golden/\(name) (DBUILD_UPDATE_GOLDEN=1 rewrites it)", sourceLocation: sourceLocation)
    }
}

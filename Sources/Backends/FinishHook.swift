import Foundation

/// Runs the on-finish command: `sh -c COMMAND` in the project folder, the summary in its environment
/// and, as JSON, on its standard input (a file, so a command that never reads it cannot block).
/// Whatever it does, nothing else changes: its failure is reported, never a build's.
public enum FinishHook {
    public struct Result: Codable, Equatable {
        public var command: String
        public var exitStatus: Int32
        /// Its output: inherited (a build in a terminal), or this file (a finish job).
        public var output: String?
        public var at: Double
        public var succeeded: Bool { exitStatus == 0 }
    }

    /// `summaryFile` receives the JSON (kept: it is what the command was told). `outputPath` nil: the
    /// command writes where dbuild does.
    public static func run(_ command: String, summary: FinishSummary, in directory: String, summaryFile: String,
                           outputPath: String? = nil) -> Result {
        var result = Result(command: command, exitStatus: 127, output: outputPath, at: Date().timeIntervalSince1970)
        do {
            try writeAtomically(Data((summary.json() + "\n").utf8), to: summaryFile)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", command]
            process.currentDirectoryURL = URL(fileURLWithPath: directory)
            process.environment = ProcessInfo.processInfo.environment.merging(
                summary.environment.merging(["DBUILD_SUMMARY_FILE": summaryFile]) { $1 }) { $1 }
            process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: summaryFile))
            if let outputPath {
                FileManager.default.createFile(atPath: outputPath, contents: nil)
                let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
                process.standardOutput = output
                process.standardError = output
            } else {
                process.standardOutput = FileHandle.standardError           // dbuild's own stdout stays its summary
            }
            try process.run()
            process.waitUntilExit()
            result.exitStatus = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        } catch {
            result.exitStatus = 127
        }
        return result
    }
}

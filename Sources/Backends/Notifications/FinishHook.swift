import Foundation
import Basics

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
    /// Seconds a command may take before it is stopped (exit status 124): DBUILD_ON_FINISH_TIMEOUT, default 600.
    public static var timeout: Double {
        ProcessInfo.processInfo.environment["DBUILD_ON_FINISH_TIMEOUT"].flatMap(Double.init) ?? 600
    }

    public static func run(_ command: String, summary: FinishSummary, in directory: String, summaryFile: String,
                           outputPath: String? = nil) -> Result {
        var result = Result(command: command, exitStatus: 127, output: outputPath, at: Date().timeIntervalSince1970)
        do {
            try writeAtomically(Data((summary.json() + "\n").utf8), to: summaryFile)
            // Its own process group (ChildProcess), so a command that hangs is stopped with all it started.
            // stdin is the summary; stdout joins stderr after a build (dbuild's stdout stays its summary line).
            let script = "exec <\"$DBUILD_SUMMARY_FILE\"" + (outputPath == nil ? " 1>&2" : "") + "\n" + command
            let environment = ChildProcess.currentEnvironment()
                .merging(summary.environment.merging(["DBUILD_SUMMARY_FILE": summaryFile]) { $1 }) { $1 }
            let pid = try ChildProcess.spawn(["/bin/sh", "-c", script], workingDirectory: directory, outputPath: outputPath,
                                             environment: environment)
            switch ChildProcess.wait(pid, atMost: timeout) {
            case nil: result.exitStatus = 124                    // stopped with all it started
            case .exited(let code)?: result.exitStatus = code
            case .signaled(let signal)?: result.exitStatus = 128 + signal
            }
        } catch {
            result.exitStatus = 127
        }
        return result
    }
}
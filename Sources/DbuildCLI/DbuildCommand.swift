import ArgumentParser
import Foundation

/// The `dbuild` command tree; `build` is the default, so `dbuild all` and `dbuild LP/model7` build.
public struct DbuildCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "dbuild",
        abstract: "make for scientific data: build what is missing or stale, as declared in a Swift Datafile.",
        version: dbuildVersion,
        subcommands: [BuildCommand.self, WhyCommand.self, ListCommand.self, StatusCommand.self, CleanCommand.self, AdoptCommand.self, GraphCommand.self, ReportCommand.self,
                      VerifyCommand.self, CancelCommand.self, ExecCommand.self],
        defaultSubcommand: BuildCommand.self)

    public init() {}

    /// Runs the command; exit status 2 for bad input (usage, Datafile, graph), 3 for a missing tool,
    /// 1 for failed steps or an incomplete verify, 130 when interrupted.
    public static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let failure as DbuildFailure {
            if case .buildFailed = failure {} else if case .interrupted = failure {
                FileHandle.standardError.write(Data("dbuild: interrupted; finished steps are recorded\n".utf8))
            } else {
                FileHandle.standardError.write(Data("dbuild: error: \(failure.description)\n".utf8))
            }
            Foundation.exit(failure.exitStatus)
        } catch let code as ExitCode {
            Foundation.exit(code.rawValue)
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data("\(fullMessage(for: error))\n".utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

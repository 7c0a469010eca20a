import ArgumentParser
import Foundation
import Workspace
import Targets
import Backends

/// The `dbuild` command tree; `build` is the default, so `dbuild all` and `dbuild LP/model7` build.
public struct DbuildCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "dbuild",
        abstract: "make for scientific data: build what is missing or stale, as declared in a Swift Datafile.",
        version: dbuildVersion,
        subcommands: [BuildCommand.self, WhyCommand.self, LogCommand.self, ListCommand.self, StatusCommand.self, CleanCommand.self, AdoptCommand.self, GraphCommand.self, ReportCommand.self,
                      VerifyCommand.self, RelocateCommand.self, CancelCommand.self, StateCommand.self, InitCommand.self, ExecCommand.self, OnFinishCommand.self],
        defaultSubcommand: BuildCommand.self)

    public init() {}

    /// Runs the command; exit status 2 for bad input (usage, Datafile, graph), 3 for a missing tool,
    /// 4 when another dbuild holds the project, 5 for an unreadable state database, 6 when SLURM does not
    /// answer or refuses, 1 for failed steps or an incomplete verify, 130 when interrupted.
    public static func main() {
        do {
            var command = try parseAsRoot(MakeStyleFlags.expand(Array(CommandLine.arguments.dropFirst())))
            try command.run()
        } catch let failure as DbuildFailure {
            report(failure)
        } catch let error as StateStoreError {
            report(.brokenState(error.description))
        } catch let error as SlurmError {
            report(.scheduler(error.description))
        } catch let error as SlurmPlanError {
            report(.usage(error.description))
        } catch let error as SQLiteError {
            report(.brokenState("the state database .dbuild/state.db cannot be read (\(error.description))"))
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

    private static func report(_ failure: DbuildFailure) -> Never {
        if case .buildFailed = failure {} else if case .interrupted = failure {
            FileHandle.standardError.write(Data("dbuild: interrupted; finished steps are recorded\n".utf8))
        } else {
            FileHandle.standardError.write(Data("dbuild: error: \(failure.description)\n".utf8))
        }
        Foundation.exit(failure.exitStatus)
    }
}

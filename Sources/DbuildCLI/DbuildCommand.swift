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
        usage: """
            dbuild [<targets> ...] [-n] [-j <n>] [-k] [-B] [-v] [--backend local|slurm] [--wait]
              dbuild <subcommand> [<options>]
            """,
        discussion: """
            Building is the default command: `dbuild all` makes every step that is missing or stale, `dbuild LP/m7` \
            the steps under LP/m7 and what they need (a target is a step, a name prefix, an output path, or all).

              -n, --dry-run      the plan, with a reason for each step; nothing run
              -j <n>             steps at once (default: the number of cores)
              -k, --keep-going   after a failure, go on with what does not need it
              -B, --always-make  run every selected step, stale or not
              -v, --verbose      print each command; list every step in a dry run
              --backend <b>      local or slurm (default: the Datafile's, else local)
              --wait             slurm: stay until the submission finishes

            `dbuild help build` lists every build option.
            """,
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
            var command = try parseAsRoot(MakeStyleFlags.expand(try helpTopicChecked(Array(CommandLine.arguments.dropFirst()))))
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

    /// `dbuild help TOPIC`: a command's help; `help all` the build command's (all is its target); an
    /// unknown topic is an error, not the top help with exit 0.
    static func helpTopicChecked(_ arguments: [String]) throws -> [String] {
        guard arguments.first == "help", arguments.count >= 2, !arguments[1].hasPrefix("-") else { return arguments }
        let topic = arguments[1]
        if topic == "all" || topic == "build" { return ["help", "build"] + arguments.dropFirst(2) }
        guard CommandSlips.commandNames.contains(topic) else {
            let near = CommandSlips.closest(to: topic).map { "did you mean '\($0)'? " } ?? ""
            throw DbuildFailure.usage("no command is named '\(topic)'; \(near)the commands: "
                + CommandSlips.commandNames.joined(separator: ", ") + " (dbuild --help)")
        }
        return arguments
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

import Foundation
import Workspace
import Targets

/// A word taken as a target that is really a command, or nearly one — `dbuild lsit`, or
/// `dbuild -f x/Datafile status` (the build command is the default, so both reach it as targets):
/// the error then says so, and how to write it.
enum CommandSlips {
    /// The commands a user types (not the ones jobs run).
    static var commandNames: [String] {
        DbuildCommand.configuration.subcommands.compactMap { command in
            command.configuration.shouldDisplay ? command.configuration.commandName : nil
        }
    }

    /// The failure, told again when one of the targets is a command or close to one's name.
    static func explain(_ failure: DbuildFailure, targets: [String], arguments: [String]) -> DbuildFailure {
        let named: String?
        switch failure {
        case .graph(let error): named = targets.first { error.text.contains("named '\($0)'") }
        case .usage(let text) where text.hasPrefix("no Datafile"): named = targets.first { closest(to: $0) != nil }
        default: named = nil
        }
        guard let word = named, let command = closest(to: word) else { return failure }
        if command == word {
            var rest = arguments
            if let i = rest.firstIndex(of: word) { rest.remove(at: i) }
            let line = (["dbuild", word] + rest.filter { $0 != "build" }).joined(separator: " ")
            return .usage("'\(word)' is a dbuild command, not a step: a command comes first on the line — \(line)")
        }
        return .usage(failure.description + "\n'\(word)' was taken as a step to build; did you mean the command '\(command)' (dbuild \(command))?")
    }

    /// The command whose name is `word`, or within two edits of it.
    static func closest(to word: String) -> String? {
        let scored = commandNames.map { ($0, Selection.editDistance($0, word)) }.filter { $0.1 <= min(2, max(1, word.count / 3)) }
        return scored.min { $0.1 < $1.1 }?.0
    }
}

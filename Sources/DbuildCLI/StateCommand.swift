import ArgumentParser
import Foundation
import Targets

/// `dbuild state check | repair`: the way forward when `.dbuild/state.db` is damaged (a full disk, a
/// copy taken mid-write, a file system that lost blocks).
struct StateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state", abstract: "Check or repair dbuild's record of what it built (.dbuild/state.db).",
        subcommands: [Check.self, Repair.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Say whether the state database is readable and consistent.")
        @OptionGroup var project: ProjectOptions

        func run() throws {
            let project = try Project(options: self.project)
            if let problem = StateHealth.problem(project) { throw DbuildFailure.brokenState(problem) }
            print("state: ok (\(project.dotDbuild)/state.db)")
        }
    }

    struct Repair: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move a damaged state database aside and rebuild the records from the products on disk.",
            discussion: "Nothing is run: products that are present and pass the rule's checks are recorded again "
                + "(as `dbuild adopt` does); the rest will be built by the next `dbuild all`.")
        @OptionGroup var project: ProjectOptions

        func run() throws {
            let project = try Project(options: self.project)
            try project.lock()
            guard let problem = StateHealth.problem(project) else {
                print("state: ok; nothing to repair")
                return
            }
            let path = project.dotDbuild + "/state.db"
            let aside = path + ".broken-\(Int(Date().timeIntervalSince1970))"
            for suffix in ["", "-wal", "-shm", "-journal"] where FileManager.default.fileExists(atPath: path + suffix) {
                guard rename(path + suffix, aside + suffix) == 0 else {
                    throw DbuildFailure.setup("cannot move \(path + suffix) aside: \(String(cString: strerror(errno)))")
                }
            }
            print("state: \(problem)\nstate: moved it to \(aside) (kept for inspection; delete it when done)")
            let result = try Adoption.run(project, steps: Array(0..<project.graph.stepCount), state: try project.openState(readOnly: false))
            print("state: recorded \(result.adopted) step\(result.adopted == 1 ? "" : "s") from the products on disk; "
                  + "\(result.skipped.count) will be built by the next `dbuild all` (their products are missing or broken).")
            result.skippedLines.forEach { print($0) }
        }
    }
}

/// Whether `.dbuild/state.db` can be used: opens it and runs SQLite's integrity check.
enum StateHealth {
    static func problem(_ project: Project) -> String? {
        let path = project.dotDbuild + "/state.db"
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            let store = try StateStore(path: path, readOnly: true)
            let verdict = try store.integrityCheck()
            _ = try store.loadRecords()
            return verdict == "ok" ? nil : "\(path) is damaged (\(verdict.prefix(200)))"
        } catch {
            return "\(path) cannot be read (\(error))"
        }
    }
}

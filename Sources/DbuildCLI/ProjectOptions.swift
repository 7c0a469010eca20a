import Workspace
import Workspace
import ArgumentParser

/// Options every command shares.
struct ProjectOptions: ParsableArguments {
    @Option(name: [.customShort("f"), .long], help: ArgumentHelp("The Datafile to use (default: ./Datafile).", valueName: "path"))
    var datafile: String?
    @Flag(help: "If another dbuild is working in this project, wait for it instead of stopping (exit 4).")
    var waitLock = false
    @Flag(name: [.customShort("q"), .long], help: "Print less: problems and a summary line (a build: failures and the summary).")
    var quiet = false
}

extension Project {
    /// The project the shared options name (`-f`, `--wait-lock`).
    convenience init(options: ProjectOptions) throws {
        try self.init(datafile: options.datafile, waitsForLock: options.waitLock)
    }
}

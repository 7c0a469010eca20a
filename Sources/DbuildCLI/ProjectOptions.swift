import ArgumentParser

/// Options every command shares.
struct ProjectOptions: ParsableArguments {
    @Option(name: [.customShort("f"), .long], help: ArgumentHelp("The Datafile to use (default: ./Datafile).", valueName: "path"))
    var datafile: String?
}

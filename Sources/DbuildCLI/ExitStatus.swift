import Workspace

/// The exit status that tells scripts which kind of stop it was (see `DbuildCommand.main`).
extension DbuildFailure {
    var exitStatus: Int32 {
        switch self {
        case .usage, .datafile, .graph: return 2
        case .setup: return 3
        case .busy: return 4
        case .brokenState: return 5
        case .scheduler: return 6
        case .buildFailed: return 1
        case .interrupted: return 130
        }
    }
}

import Basics
/// Why a dbuild command stopped, and the exit status that tells scripts which kind of stop it was.
public enum DbuildFailure: Error, CustomStringConvertible {
    /// The command line or the Datafile is wrong: exit 2, nothing changed.
    case usage(String)
    case datafile(String)
    case graph(GraphErrorText)
    /// The machine lacks something dbuild needs (compiler, Rules module): exit 3.
    case setup(String)
    /// `.dbuild/state.db` cannot be read: exit 5; `dbuild state repair` is the way forward.
    case brokenState(String)
    /// Another dbuild holds the project's lock: exit 4, nothing changed.
    case busy(String)
    /// SLURM did not answer within dbuild's patience, or refused: exit 6.
    case scheduler(String)
    /// Steps failed (exit 1) or dbuild was interrupted (exit 130).
    case buildFailed
    case interrupted

    public var description: String {
        switch self {
        case .usage(let m), .datafile(let m), .setup(let m), .busy(let m): return m
        case .scheduler(let m): return "SLURM: " + m
        case .brokenState(let m):
            return m + "\nrun `dbuild state repair`: it moves the file aside and records again, without running anything, "
                + "the products on disk that pass their checks"
        case .graph(let e): return e.text
        case .buildFailed: return "some steps failed"
        case .interrupted: return "interrupted"
        }
    }
}

/// A graph error's message (kept as text so DbuildFailure need not import Targets' types everywhere).
public struct GraphErrorText: Sendable {
    public let text: String
}

/// The version `dbuild --version` prints; part of the Datafile cache key.
public let dbuildVersion = "0.1.0"

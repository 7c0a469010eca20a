import Rules
/// Why a step must run: the first check that failed, in the order staleness checks them.
public enum StaleReason: Equatable, Sendable {
    /// A declared output does not exist.
    case missingOutput(path: UInt32)
    /// An output is smaller than its rule's `expect(minBytes:)`: truncated, whoever made it.
    case outputTooSmall(path: UInt32)
    /// `-B/--always-make`.
    case forced
    /// dbuild was stopped while this step ran; its outputs are not trusted.
    case interrupted
    /// Marked running by a dbuild that is alive now (another build, seen by a dry run or a look):
    /// not interrupted; its run decides.
    case runningNow
    /// The step's last attempt failed: whatever is on disk was not made by a successful run.
    case lastAttemptFailed
    /// The recipe text, parameters or declared paths differ from the last successful build.
    case signatureChanged
    /// An output is not what the step left (truncated, overwritten).
    case outputChanged(path: UInt32)
    /// Inside a folder product, files were added, removed or changed since the step made it.
    case folderChanged(path: UInt32, detail: String)
    /// mtime policy: this input is newer than the oldest output.
    case inputNewer(path: UInt32)
    /// hash policy: this input's content differs from the last build's.
    case inputChanged(path: UInt32)
    /// A step this one needs will run first.
    case upstream(step: Int32)
    /// Its outputs are temporary and were removed on purpose; a step that reads them must run.
    case temporaryNeeded(by: Int32)

    /// The short kind, for grouping and JSON.
    public var kind: String {
        switch self {
        case .missingOutput: return "missing output"
        case .outputTooSmall: return "output too small"
        case .forced: return "forced"
        case .interrupted: return "interrupted"
        case .runningNow: return "running now"
        case .lastAttemptFailed: return "last attempt failed"
        case .signatureChanged: return "recipe changed"
        case .outputChanged, .folderChanged: return "output changed"
        case .inputNewer: return "input newer"
        case .inputChanged: return "input changed"
        case .upstream: return "upstream will run"
        case .temporaryNeeded: return "removed on purpose, needed again"
        }
    }

    /// The reason as a person reads it: `missing output: LP/model1/r0/plane3.dat`.
    public func text(in graph: Graph) -> String {
        switch self {
        case .missingOutput(let path): return "missing output: \(graph.string(path))"
        case .outputTooSmall(let path): return "output too small: \(graph.string(path)) (the rule expects at least \(graph.producer[Int(path)] >= 0 ? graph.rule(of: Int(graph.producer[Int(path)])).minimumOutputBytes : 0) bytes)"
        case .forced: return "forced (-B)"
        case .interrupted: return "interrupted: the last run of this step did not finish"
        case .runningNow: return "running now in another dbuild of this project (its run decides)"
        case .lastAttemptFailed: return "last attempt failed: what is on disk was not made by a successful run"
        case .signatureChanged: return "recipe changed: recipe, parameters or declared files differ from the last build"
        case .outputChanged(let path): return "output changed since it was made: \(graph.string(path))"
        case .folderChanged(let path, let detail): return "output changed since it was made: \(graph.string(path)) (\(detail))"
        case .inputNewer(let path): return "\(graph.toolPaths.contains(path) ? "tool" : "input") newer: \(graph.string(path))"
        case .inputChanged(let path): return "\(graph.toolPaths.contains(path) ? "tool" : "input") changed: \(graph.string(path))"
        case .upstream(let step): return "upstream will run: \(graph.name(Int(step)))"
        case .temporaryNeeded(let step): return "removed on purpose (temporary, or purged scratch); needed again by \(graph.name(Int(step)))"
        }
    }
}

extension StaleReason {
    /// A hash rule's step that would run only because something upstream will run: early cutoff may
    /// leave it clean, so `-n`, `why` and `list` set it apart ("only if what it reads comes out changed").
    public func runsOnlyIfInputsChange(_ rule: RuleDescription) -> Bool {
        if case .upstream = self { return rule.staleness == .hash }
        return false
    }
}

/// How a rule decides that an input changed.
public enum Staleness: UInt8, Sendable {
    /// make's rule: an input newer than the oldest output. `touch` rebuilds.
    case mtime = 0
    /// Content: an input's XXH3 hash differs from the one recorded at the last build. `touch` rebuilds
    /// nothing; an upstream rebuild whose outputs come out byte-identical leaves dependents clean.
    case hash = 1

    public var name: String { self == .mtime ? "mtime" : "hash" }
}

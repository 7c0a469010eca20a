import Backends

/// `dbuild list --json` (schema `dbuild.list/1`, documented in the README under "Machine-readable
/// output"; fields are only ever added within a version).
struct ListDocument: Codable, Equatable {
    static let schemaName = "dbuild.list/1"
    static let states = ["built", "unrecorded", "stale", "missing"]

    struct Step: Codable, Equatable {
        var step: String
        var rule: String
        /// One of `states`: built, unrecorded (its files are there but dbuild did not record making them), stale, missing.
        var state: String
        /// Why a stale step would run, as `-n` says it.
        var reason: String?
    }

    var schema = ListDocument.schemaName
    var steps: [Step] = []
    /// How many steps are in each state (states with none are left out).
    var counts: [String: Int] = [:]
    /// Steps recorded in the state that the Datafile no longer declares.
    var undeclared: [String] = []

    mutating func add(_ step: Step) {
        steps.append(step)
        counts[step.state, default: 0] += 1
    }

    /// The table `dbuild list` prints.
    func text() -> String {
        let width = steps.map(\.step.count).max() ?? 0
        var out = steps.map { s in
            s.step + String(repeating: " ", count: width - s.step.count) + "  " + s.state + (s.reason.map { "  (\($0))" } ?? "")
        }.joined(separator: "\n")
        out += "\n\n" + Self.states.compactMap { key in counts[key].map { "\($0) \(key)" } }.joined(separator: ", ")
        if let line = UndeclaredSteps.line(undeclared) { out += "\n" + line }
        return out
    }

    func json() -> String { JSONOutput.text(self) }
}

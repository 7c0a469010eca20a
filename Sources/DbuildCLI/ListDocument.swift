import Workspace
import Backends

/// `dbuild list --json` (schema `dbuild.list/1`, documented in the README under "Machine-readable
/// output"; fields are only ever added within a version).
struct ListDocument: Codable, Equatable {
    static let schemaName = "dbuild.list/1"
    static let states = ["built", "unrecorded", "stale", "if-changed", "missing"]

    struct Step: Codable, Equatable {
        var step: String
        var rule: String
        /// One of `states`: built, unrecorded (its files are there but dbuild did not record making them), stale,
        /// if-changed (runs only if what it reads comes out changed: a hash rule below a step that will run), missing.
        var state: String
        /// Why a stale step would run, as `-n` says it.
        var reason: String?
    }

    var schema = ListDocument.schemaName
    /// Written one by one by `print` (empty here: a million steps are not held twice).
    var steps: [Step] = []
    /// How many steps are in each state (states with none are left out).
    var counts: [String: Int] = [:]
    /// Steps recorded in the state that the Datafile no longer declares.
    var undeclared: [String] = []

    /// The table `dbuild list` prints, `step(i)` for i in 0..<count.
    func text(count: Int, step: (Int) -> Step) -> String {
        let width = (0..<count).map { step($0).step.count }.max() ?? 0
        var out = (0..<count).map { i -> String in
            let s = step(i)
            return s.step + String(repeating: " ", count: width - s.step.count) + "  " + s.state + (s.reason.map { "  (\($0))" } ?? "")
        }.joined(separator: "\n")
        out += "\n\n" + Self.states.compactMap { key in counts[key].map { "\($0) \(key)" } }.joined(separator: ", ")
        if let line = UndeclaredSteps.line(undeclared) { out += "\n" + line }
        return out
    }

    /// The JSON, its steps written as they are judged.
    func print(count: Int, step: (Int) -> Step) {
        JSONOutput.printStreaming(self, key: "steps", count: count, element: { i in
            let s = step(i)
            return [("step", .string(s.step)), ("rule", .string(s.rule)), ("state", .string(s.state)), ("reason", s.reason.map { .string($0) })]
        }, to: JSONOutput.standardOutput)
    }
}

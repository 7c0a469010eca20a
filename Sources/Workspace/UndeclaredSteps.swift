import Basics
import Targets

/// Steps the state remembers building that the Datafile no longer declares (a row removed from a
/// catalog, a rule renamed). Their products are never deleted by dbuild; `list` and `verify` name
/// them so that nobody mistakes them for part of the campaign.
public enum UndeclaredSteps {
    /// Recorded step names the graph does not have, sorted, within the selection's name prefixes
    /// (all when no targets were given).
    public static func names(records: [String: StepRecord], graph: Graph, targets: [String]) -> [String] {
        let prefixes = targets.filter { $0 != "all" }
        return records.keys.filter { name in
            graph.step(named: name) == nil
                && (prefixes.isEmpty || prefixes.contains { name == $0 || name.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/") })
        }.sorted()
    }

    /// "N recorded steps are no longer declared …: a, b, c …", or nil.
    public static func line(_ names: [String]) -> String? {
        guard !names.isEmpty else { return nil }
        return "\(names.count) recorded step\(names.count == 1 ? " is" : "s are") no longer declared by the Datafile "
            + "(their products are kept, untouched): " + names.prefix(10).joined(separator: ", ") + (names.count > 10 ? ", …" : "")
    }
}

/// A mistake in the Datafile found while building the graph or selecting targets. Each message names
/// the place and the fix; the CLI exits 2 on any of them and changes nothing.
public enum GraphError: Error, CustomStringConvertible, Equatable {
    case duplicateOutput(path: String, first: String, firstPlace: String, second: String, secondPlace: String)
    case unusableOutput(path: String, step: String, place: String, problem: String)
    /// `places`: where each step of the cycle (but the repeated last) is declared.
    case cycle(steps: [String], places: [String] = [])
    case missingSource(path: String, neededBy: String, place: String)
    case unknownTarget(name: String, suggestions: [String])

    public var description: String {
        switch self {
        case let .duplicateOutput(path, first, firstPlace, second, secondPlace):
            return "two steps declare the output \(path): \(first) at \(firstPlace) and \(second) at \(secondPlace); "
                + "each file must have one step that makes it — rename one of the outputs"
        case let .unusableOutput(path, step, place, problem):
            return "\(place): step \(step) declares the output \"\(path)\", but \(problem)"
        case let .cycle(steps, places):
            let shown = steps.enumerated().map { i, step in i < places.count ? "\(step) (\(places[i]))" : step }
            return "the steps depend on each other in a cycle: \(shown.joined(separator: " → ")); "
                + "break it by removing one of these inputs"
        case let .missingSource(path, neededBy, place):
            return "\(place): step \(neededBy) needs \(path), which does not exist and no rule makes it; "
                + "create the file, fix the path, or add a rule whose outputs include it"
        case let .unknownTarget(name, suggestions):
            let hint = suggestions.isEmpty ? "`dbuild list` shows the steps"
                : "did you mean " + suggestions.map { "'\($0)'" }.joined(separator: " or ") + "?"
            return "no step, prefix or output is named '\(name)'; \(hint)"
        }
    }
}

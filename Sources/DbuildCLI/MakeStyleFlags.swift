import Workspace
/// make's way of writing short flags, which the argument parser does not take as such: grouped
/// flags ending in a job count (`-kj4`, `-nBj 2`) become separate ones (`-k -j4`). Only groups made
/// of the build's one-letter flags are split; anything else is left for the parser to judge. And
/// `--watch` without a number (`status --watch`) gets its default, 10 seconds.
enum MakeStyleFlags {
    /// The build command's one-letter flags that take no value.
    static let letters: Set<Character> = ["k", "n", "B", "q", "v"]

    static func expand(_ arguments: [String]) -> [String] {
        var result: [String] = []
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            index += 1
            if argument == "--" {                      // after it, everything is a target
                result += arguments[(index - 1)...]
                break
            }
            if argument == "--watch" {
                result.append(argument)
                if index == arguments.endIndex || Double(arguments[index]) == nil { result.append("10") }
                continue
            }
            guard argument.hasPrefix("-"), !argument.hasPrefix("--"), argument.count > 2 else {
                result.append(argument)
                continue
            }
            let body = argument.dropFirst()
            let flags = body.prefix { letters.contains($0) }
            let rest = body.dropFirst(flags.count)
            guard !flags.isEmpty, rest.isEmpty || (rest.first == "j" && rest.dropFirst().allSatisfy(\.isNumber)) else {
                result.append(argument)
                continue
            }
            result += flags.map { "-\($0)" }
            if !rest.isEmpty { result.append("-" + rest) }   // -j4, or -j and its value next
        }
        return result
    }
}

import Foundation
import Basics
import Rules
import Targets
import Backends

/// Checks recipes when a Datafile is evaluated — placeholders that are neither placeholders nor
/// parameters (`{ouptut}`), then `sh -n` (not on every run: the result is as
/// cached as the graph), so that a recipe /bin/sh cannot parse is refused with its rule's line
/// before anything runs — not found as a failed step hours into a campaign.
public enum RecipeSyntaxCheck {
    /// Distinct recipe texts checked at most (one `sh` each); recipes built per step in Swift could
    /// otherwise number a million.
    public static let limit = 64

    public static func problems(in description: GraphDescription, datafile: String) -> [String] {
        var seen = Set<UInt32>()
        var problems: [String] = []
        // A typo is reported at the line that holds it: the first at or below its rule's line.
        let source = (try? String(contentsOfFile: datafile, encoding: .utf8))?.components(separatedBy: "\n") ?? []
        func line(of text: String, from ruleLine: Int) -> Int {
            guard ruleLine >= 1, ruleLine <= source.count else { return ruleLine }
            return source[(ruleLine - 1)...].firstIndex { $0.contains(text) }.map { $0 + 1 } ?? ruleLine
        }
        for step in 0..<description.stepCount {
            let id = description.recipeIDs[step]
            guard seen.count < limit, seen.insert(id).inserted else { continue }
            let rule = description.rules[Int(description.stepRule[step])]
            let template = description.strings[Int(id)]
            let unknown = RecipeText.unknownPlaceholders(template, parameterNames: rule.parameterNames)
            if !unknown.isEmpty {
                problems += unknown.map { word, suggestion in
                    "\(datafile):\(line(of: "{\(word)}", from: rule.line)): error: rule \(rule.name): its recipe uses {\(word)}, which is neither a placeholder nor a "
                        + "parameter of the rule" + (suggestion.map { "; did you mean {\($0)}?" } ?? "")
                        + " (write {{\(word)}} for a literal {\(word)}); recipe: \(template.prefix(120))"
                }
                continue
            }
            if Launch.taskCount(rule.resources) > 1, let launcher = mpiLauncher(startedBy: template) {
                let tasks = Launch.taskCount(rule.resources)
                problems.append("\(datafile):\(rule.line): error: rule \(rule.name) declares \(tasks) tasks, so dbuild already starts its "
                    + "recipe under the MPI launcher (srun in a SLURM job, mpirun -np \(tasks) here), and the recipe starts \(launcher) "
                    + "itself: \(tasks) launchers of \(tasks) ranks each. Remove \(launcher) from the recipe (dbuild launches it), or "
                    + "declare one task (.resources(nodes: 1, tasksPerNode: 1)) and keep it; recipe: \(template.prefix(120))")
                continue
            }
            let sample = RecipeText.sample(template, parameterNames: rule.parameterNames)
            guard let (exit, output) = try? ChildProcess.run(["/bin/sh", "-n", "-c", sample]), !exit.succeeded else { continue }
            let why = output.split(separator: "\n").first.map { String($0).replacingOccurrences(of: "/bin/sh: ", with: "") } ?? "\(exit.text)"
            problems.append("\(datafile):\(rule.line): error: rule \(rule.name): its recipe is not valid shell (\(why)); "
                + "recipe: \(template.prefix(120))")
        }
        return problems
    }

    static let mpiLaunchers: Set<String> = ["mpirun", "mpiexec", "srun", "orterun", "aprun", "jsrun", "prun"]

    /// The MPI launcher a recipe runs as one of its commands (first word of a command, after any
    /// `VAR=value` settings), if any.
    static func mpiLauncher(startedBy recipe: String) -> String? {
        for command in recipe.split(whereSeparator: { ";&|()\n".contains($0) }) {
            let words = command.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let first = words.first(where: { !$0.contains("=") }) else { continue }
            let name = String(first.split(separator: "/").last ?? first)
            if mpiLaunchers.contains(name) { return name }
        }
        return nil
    }
}

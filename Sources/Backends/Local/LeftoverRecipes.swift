import Foundation
import Basics

/// Recipes that a killed dbuild left running. Each recipe runs in its own process group, so SIGKILL
/// to dbuild does not reach them: they would go on writing into outputs that the next run removes and
/// remakes. Every recipe (and whatever it starts, unless it clears its environment) carries
/// `DBUILD_OWNER=<project's .dbuild folder>|<dbuild's pid>`; the next run, holding the project's lock,
/// finds the processes of its project that another dbuild started, and stops them first. The tag is
/// set at spawn, so no moment exists when a recipe runs untagged (a table of pids written after
/// spawning would leave one).
public enum LeftoverRecipes {
    public static let variable = "DBUILD_OWNER"

    /// The tag this process gives its recipes.
    public static func tag(project dotDbuild: String) -> String { "\(dotDbuild)|\(getpid())" }

    /// Processes tagged for this project by a dbuild other than this one.
    public static func find(project dotDbuild: String) -> [Int32] {
        let prefix = Array("\(variable)=\(dotDbuild)|".utf8), own = Array(tag(project: dotDbuild).utf8)
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> Int32? in
            guard let pid = Int32(entry), pid != getpid(), let environment = readFileBytes("/proc/\(entry)/environ") else { return nil }
            for variable in environment.split(separator: 0) where variable.starts(with: prefix) {
                return variable.elementsEqual(Array("\(Self.variable)=".utf8) + own) ? nil : pid
            }
            return nil
        }
    }

    /// Stops each leftover process and its group (`ProcessGroup.terminate`: those that left their
    /// group are signalled one by one too) and returns once they are gone. Returns how many there were.
    public static func stop(project dotDbuild: String, grace: Double = 3) -> Int {
        let found = find(project: dotDbuild)
        guard !found.isEmpty else { return 0 }
        let groups = Set(found.map { getpgid($0) })
        ProcessGroup.terminate(Array(groups), grace: grace, extraPIDs: found) {
            find(project: dotDbuild).allSatisfy { !isRunning($0) }
        }
        return found.count
    }

    /// Alive and not a zombie (state Z in /proc/PID/stat).
    static func isRunning(_ pid: Int32) -> Bool {
        guard let stat = readFile("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return false }
        return !stat[stat.index(after: close)...].hasPrefix(" Z")
    }
}

import Foundation
import Basics
import Rules
import Targets
import Backends

/// Where the Datafile's named roots are on this machine: the Datafile's default, overridden by the
/// defaults file (`root.lp = /pscratch/me/LP`, several locations separated by ':') and then by the
/// environment (`DBUILD_ROOT_LP`). Relative locations are relative to the Datafile's folder. A root
/// whose first location (where new products go) is missing outside the project folder, two roots
/// that overlap, or a root in `.dbuild/` is refused before anything is read or written.
public enum RootSettings {
    public static func resolve(_ declared: [RootDescription], projectRoot: String, datafile: String,
                        defaults: MachineDefaults = .current,
                        environment: [String: String] = ProcessInfo.processInfo.environment) throws -> RootLocations {
        var pairs: [(name: String, locations: [String])] = []
        var purge: [String: Int] = [:]
        for root in declared {
            let variable = "DBUILD_ROOT_" + root.name.uppercased()
            var source = "\(datafile):\(root.line)"
            var locations = root.locations
            if let set = defaults.roots[root.name] { locations = set; source = "root.\(root.name) in \(MachineDefaults.path)" }
            if let set = environment[variable] {
                locations = set.split(separator: ":").map(String.init).filter { !$0.isEmpty }
                source = "$\(variable)"
            }
            guard !locations.isEmpty else {
                throw DbuildFailure.usage("root \(root.name) has no location (\(source)); give it one, e.g. \(variable)=/scratch/\(root.name)")
            }
            let absolute = locations.map { normalizedPath($0.hasPrefix("/") ? $0 : projectRoot + "/" + $0) }
            // A folder inside the project is made with the first product, as any output folder;
            // elsewhere, a missing folder is a disk not mounted or a typo: refused.
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: absolute[0], isDirectory: &isDirectory)
            let insideProject = absolute[0].hasPrefix(projectRoot + "/")
            guard (exists && isDirectory.boolValue) || (!exists && insideProject) else {
                throw DbuildFailure.usage("root \(root.name) is at \(absolute[0]) (\(source)), which is not a folder that exists; "
                    + "create it, or set where the root is on this machine: root.\(root.name) = /path in \(MachineDefaults.path), "
                    + "or \(variable)=/path")
            }
            let dotDbuild = projectRoot + "/.dbuild"
            if let inside = absolute.first(where: { $0 == dotDbuild || $0.hasPrefix(dotDbuild + "/") }) {
                throw DbuildFailure.usage("root \(root.name) is at \(inside) (\(source)), inside .dbuild/, which belongs to dbuild; "
                    + "choose a folder outside it")
            }
            for other in pairs {
                for a in absolute {
                    for b in other.locations where a == b || a.hasPrefix(b + "/") || b.hasPrefix(a + "/") {
                        throw DbuildFailure.usage("roots \(other.name) and \(root.name) overlap (\(b) and \(a)): a file would have two "
                            + "names; give each root a folder of its own")
                    }
                }
            }
            pairs.append((root.name, absolute))
            if let days = try purgeDays(root, defaults: defaults) { purge[root.name] = days }
        }
        var resolved = RootLocations(pairs)
        resolved.purgeDays = purge
        return resolved
    }

    /// The root's purge age on this machine: `root.NAME.purge` in the defaults file (`21d`, `21`,
    /// `3w`, or `never` for a root this centre does not purge), else the Datafile's.
    static func purgeDays(_ root: RootDescription, defaults: MachineDefaults) throws -> Int? {
        guard let text = defaults.purge[root.name]?.lowercased() else { return root.purgedAfterDays }
        if text == "never" || text == "0" { return nil }
        let (number, factor) = text.hasSuffix("w") ? (text.dropLast(), 7) : text.hasSuffix("d") ? (text.dropLast(), 1) : (Substring(text), 1)
        if let n = Int(number), n > 0 { return n * factor }
        throw DbuildFailure.usage("root.\(root.name).purge = \(text) in \(MachineDefaults.path) is not a purge age; "
            + "write it in days or weeks (root.\(root.name).purge = 21d, or 3w), or never")
    }

    /// Refuses to build into a root whose first location cannot be written.
    public static func checkWritable(_ roots: RootLocations) throws {
        for name in roots.names {
            guard let first = roots.locations[name]?.first else { continue }
            var info = stat()
            if stat(first, &info) == 0 && access(first, W_OK) != 0 {
                throw DbuildFailure.usage("root \(name) is at \(first), which this user cannot write (\(String(cString: strerror(errno)))); "
                    + "new products go to a root's first location: fix its permissions or set another location")
            }
        }
    }
}

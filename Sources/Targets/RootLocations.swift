#if canImport(Glibc)
import Glibc
#endif

/// Where each named root of the Datafile is on this machine: absolute folders, newest first.
/// Products under a root are named `@name/relative/path` everywhere in dbuild (graph, records,
/// hashes); only here do they become paths on disk — in the first location that has the file, and
/// in the first location for a file still to be written.
public struct RootLocations: Equatable, Sendable {
    public private(set) var locations: [String: [String]] = [:]
    /// Root names in declaration order.
    public private(set) var names: [String] = []
    /// Roots the centre purges on this machine, with the purge age in days (the Datafile's
    /// `purgedAfterDays`, or `root.NAME.purge` in the defaults file).
    public var purgeDays: [String: Int] = [:]

    public init() {}

    public init(_ pairs: [(name: String, locations: [String])]) {
        for (name, locations) in pairs {
            if self.locations[name] == nil { names.append(name) }
            self.locations[name] = locations
        }
    }

    public var isEmpty: Bool { names.isEmpty }

    /// `@lp/a/b` → ("lp", "a/b"); nil for a path not under a root.
    @inline(__always)
    public static func split(_ path: String) -> (root: String, relative: String)? {
        guard path.utf8.first == UInt8(ascii: "@"), let slash = path.utf8.firstIndex(of: UInt8(ascii: "/")) else { return nil }
        let root = String(path[path.index(after: path.startIndex)..<slash])
        return (root, String(path[path.index(after: slash)...]))
    }

    /// The file on disk in each location, in order; nil for a path not under a known root.
    public func candidates(_ path: String) -> [String]? {
        guard let (root, relative) = Self.split(path), let folders = locations[root] else { return nil }
        return folders.map { $0 + "/" + relative }
    }

    /// Where the file is read from: the first location that has it (else the first location).
    public func existing(_ path: String) -> String? {
        guard let candidates = candidates(path) else { return nil }
        var info = stat()
        return candidates.first { lstat($0, &info) == 0 } ?? candidates[0]
    }

    /// Where a new file is written: the first location.
    public func writable(_ path: String) -> String? {
        candidates(path)?.first
    }

    /// The location (index) and path on disk of each copy of the file that exists.
    public func copies(_ path: String) -> [(location: Int, path: String)] {
        var info = stat()
        return (candidates(path) ?? []).enumerated().filter { lstat($0.element, &info) == 0 }.map { ($0.offset, $0.element) }
    }

    /// The logical name of a file on disk under one of the roots' locations, if any.
    public func logicalName(ofAbsolute path: String) -> String? {
        for name in names {
            for folder in locations[name] ?? [] where path.hasPrefix(folder + "/") {
                return "@" + name + "/" + path.dropFirst(folder.count + 1)
            }
        }
        return nil
    }
}

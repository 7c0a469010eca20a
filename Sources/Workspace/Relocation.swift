import Foundation
import Basics
import Rules
import Targets

/// What `dbuild relocate` does with each declared product of a root that has several locations:
/// bring it into the first location (where dbuild writes), checked against what dbuild recorded.
/// Never overwrites and never deletes a copy that differs; an identical copy left in an older
/// location is left alone.
public struct Relocation {
    public enum Action: Equatable {
        /// Only in an older location: moved (or linked) into the first.
        case move(path: String, from: String, to: String)
        /// In the first location and an older one with the same content: nothing to do (the old copy stays).
        case identicalCopy(path: String, old: String)
        /// A copy that must not be moved: it differs from the first location's copy, or from dbuild's record.
        case conflict(path: String, first: String, other: String, why: String)
        /// A product in no location: `dbuild all` remakes it.
        case missing(path: String, step: String)
    }

    public var actions: [Action] = []
    /// Files in a root's locations that no step declares.
    public var undeclared: [(path: String, file: String)] = []

    /// - Parameters:
    ///   - recordedHash: the content hash dbuild recorded for a path, if any.
    ///   - recordedSize: the size recorded when the step that makes it last succeeded, if any.
    public init(graph: Graph, roots selected: [String], selection: Set<String>?, fileSystem: DiskFileSystem,
         recordedHash: (String) -> UInt64?, recordedSize: (String) -> Int64?) {
        let locations = graph.roots
        var declared = Set<String>()
        for id in graph.description.outputIDs + graph.description.inputIDs {
            let path = graph.string(id)
            guard let (root, _) = RootLocations.split(path), selected.contains(root) else { continue }
            if let selection, !selection.contains(path) { continue }
            declared.insert(path)
        }
        for path in declared.sorted() {
            let copies = locations.copies(path)
            let producer = graph.pathID(path).map { Int(graph.producer[Int($0)]) } ?? -1
            guard let first = copies.first else {
                if producer >= 0 { actions.append(.missing(path: path, step: graph.name(producer))) }
                continue
            }
            let hash = { (file: String) in fileSystem.contentHash(file) }
            var firstHashRead: UInt64??
            func firstHash() -> UInt64? {            // read once, and only if a comparison needs it
                if firstHashRead == nil { firstHashRead = .some(hash(first.path)) }
                return firstHashRead!
            }
            if first.location == 0 {
                for other in copies.dropFirst() {
                    if Self.size(other.path) == Self.size(first.path) && hash(other.path) == firstHash() {
                        actions.append(.identicalCopy(path: path, old: other.path))
                    } else {
                        actions.append(.conflict(path: path, first: first.path, other: other.path,
                                                 why: "differs from the copy in the first location"))
                    }
                }
                continue
            }
            // Only in older locations: the first of them is what dbuild reads; check it against the record.
            let destination = locations.writable(path)!
            if let size = recordedSize(path), size >= 0, size != Self.size(first.path) {
                actions.append(.conflict(path: path, first: destination, other: first.path,
                                         why: "its size \(Self.size(first.path)) differs from the recorded \(size)"))
            } else if let recorded = recordedHash(path), recorded != firstHash() {
                actions.append(.conflict(path: path, first: destination, other: first.path, why: "its content differs from the recorded hash"))
            } else {
                actions.append(.move(path: path, from: first.path, to: destination))
            }
            for other in copies.dropFirst(2) where hash(other.path) != firstHash() {
                actions.append(.conflict(path: path, first: first.path, other: other.path, why: "two older copies differ"))
            }
        }
        for root in selected {
            for folder in locations.locations[root] ?? [] {
                for relative in RootReport.files(under: folder) where !relative.hasSuffix(Relocation.partialSuffix) {
                    let path = "@\(root)/\(relative)"
                    if graph.pathID(path) == nil, !RootReport.isInsideAFolderProduct(relative, root: root, declared: { graph.pathID($0) != nil }) {
                        undeclared.append((path, folder + "/" + relative))
                    }
                }
            }
        }
    }

    public static let partialSuffix = ".dbuild-relocating"

    public static func size(_ path: String) -> Int64 {
        if isFolderPath(path) { return FolderTree.read(String(path.dropLast()))?.totalBytes ?? -1 }   // as recorded: its files' bytes
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : -1
    }

    public var moves: [(path: String, from: String, to: String)] {
        actions.compactMap { if case let .move(p, f, t) = $0 { return (p, f, t) } else { return nil } }
    }
    public var conflicts: [(path: String, first: String, other: String, why: String)] {
        actions.compactMap { if case let .conflict(p, f, o, w) = $0 { return (p, f, o, w) } else { return nil } }
    }
    public var missing: [(path: String, step: String)] {
        actions.compactMap { if case let .missing(p, s) = $0 { return (p, s) } else { return nil } }
    }
    public var identical: [(path: String, old: String)] {
        actions.compactMap { if case let .identicalCopy(p, o) = $0 { return (p, o) } else { return nil } }
    }

    /// Moves one file into place: rename when both are on one filesystem; else a copy beside the
    /// destination (mode and mtime kept), checked by hash, renamed into place, and only then the
    /// source removed. Killed at any point, a run again finds either the source alone (moved again)
    /// or both copies identical with the move in the journal (the source then removed: the move's last step).
    public static func move(from source: String, to destination: String, link: Bool, fileSystem: DiskFileSystem) throws {
        if isFolderPath(source) {
            try moveFolder(from: String(source.dropLast()), to: String(destination.dropLast()), link: link, fileSystem: fileSystem)
            return
        }
        fileSystem.createParentDirectories(of: destination)
        if link {
            guard symlink(source, destination) == 0 else { throw RelocationError(path: destination, errno: errno) }
            return
        }
        // (DBUILD_RELOCATE_COPY=1 takes the other filesystem's path on one filesystem: tests use it.)
        if ProcessInfo.processInfo.environment["DBUILD_RELOCATE_COPY"] != "1" {
            if rename(source, destination) == 0 { return }
            guard errno == EXDEV else { throw RelocationError(path: destination, errno: errno) }
        }
        let partial = destination + partialSuffix
        do { try copyFile(source, partial) } catch let error as FileError { throw RelocationError(path: error.path, errno: error.errno) }
        guard fileSystem.contentHash(partial) == fileSystem.contentHash(source) else {
            unlink(partial)
            throw RelocationError(path: destination, errno: EIO)
        }
        guard rename(partial, destination) == 0 else { throw RelocationError(path: destination, errno: errno) }
        unlink(source)
    }
}

extension Relocation {
    /// A folder product moves whole by one rename, within one filesystem; across filesystems it is
    /// refused (a tree copied file by file could be left half-made), with what to do instead.
    static func moveFolder(from source: String, to destination: String, link: Bool, fileSystem: DiskFileSystem) throws {
        fileSystem.createParentDirectories(of: destination)
        if link {
            guard symlink(source, destination) == 0 else { throw RelocationError(path: destination, errno: errno) }
            return
        }
        if ProcessInfo.processInfo.environment["DBUILD_RELOCATE_COPY"] != "1", rename(source, destination) == 0 { return }
        if errno == EXDEV || ProcessInfo.processInfo.environment["DBUILD_RELOCATE_COPY"] == "1" {
            throw RelocationError(path: destination, errno: EXDEV)
        }
        throw RelocationError(path: destination, errno: errno)
    }

    /// Moves that a killed run left half-done: both copies there and identical → the source goes.
    public static func finishInterrupted(journal: String, link: Bool, fileSystem: DiskFileSystem) throws {
        guard let text = readFile(journal) else { return }
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "\t").map(String.init)
            guard parts.count == 2 else { continue }
            let (source, destination) = (parts[0], parts[1])
            unlink(destination + Relocation.partialSuffix)
            var info = stat()
            if link || lstat(destination, &info) != 0 || lstat(source, &info) != 0 { continue }
            if Relocation.size(source) == Relocation.size(destination),
               fileSystem.contentHash(source) == fileSystem.contentHash(destination) {
                unlink(source)
            }
        }
        unlink(journal)
    }

    /// The tab-separated reports of a relocation that acted: moved, missing, conflicts, identical, undeclared.
    public func writeReports(into folder: String) throws {
        let plan = self
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        func tsv(_ name: String, _ header: String, _ rows: [String]) throws {
            try writeAtomically(Data(([header] + rows).map { $0 + "\n" }.joined().utf8), to: folder + "/" + name)
        }
        try tsv("moved.tsv", "path\tfrom\tto", plan.moves.map { "\($0.path)\t\($0.from)\t\($0.to)" })
        try tsv("missing.tsv", "path\tstep", plan.missing.map { "\($0.path)\t\($0.step)" })
        try tsv("conflicts.tsv", "path\tfirst\tother\twhy", plan.conflicts.map { "\($0.path)\t\($0.first)\t\($0.other)\t\($0.why)" })
        try tsv("identical.tsv", "path\told_copy", plan.identical.map { "\($0.path)\t\($0.old)" })
        try tsv("undeclared.tsv", "path\tfile", plan.undeclared.map { "\($0.path)\t\($0.file)" })
    }

    /// Makes the moves (or links), each named in the journal first so that a killed run is finished
    /// by the next (`finishInterrupted`); `done` is told of each.
    public func apply(journal: String, link: Bool, fileSystem: DiskFileSystem,
                      done: ((path: String, from: String, to: String)) -> Void) throws {
        for move in moves {
            try Self.appendLine("\(move.from)\t\(move.to)\n", to: journal)
            try Self.move(from: move.from, to: move.to, link: link, fileSystem: fileSystem)
            done(move)
        }
        unlink(journal)
    }

    private static func appendLine(_ line: String, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DbuildFailure.setup("cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        _ = line.withCString { write(fd, $0, strlen($0)) }
        fsync(fd)
    }
}

public struct RelocationError: Error, CustomStringConvertible {
    public let path: String
    public let errno: Int32
    public var description: String {
        if errno == EXDEV {
            return "cannot move the folder \(path) there from another filesystem in one step; copy it (cp -a) and run "
                + "relocate again, which then finds the two copies identical"
        }
        return "cannot move into \(path): \(String(cString: strerror(errno)))"
    }
}

import Foundation
import Basics
import Targets
import Backends
import Rules

/// What a Datafile's evaluation read — files opened, paths looked at, folders listed, environment
/// variables asked for (recorded by the evaluator's DatafileTrace library) — each with what it was.
/// A cached graph is used only while every one is unchanged.
public struct EvaluationInput: Equatable {
    /// o: a file opened for reading; s: a path looked at (present or not); d: a folder listed;
    /// e: an environment variable.
    public var kind: Character
    /// An absolute path, or a variable's name.
    public var name: String
    public var fingerprint: String
}

public enum EvaluationInputs {
    /// Paths whose reads are the toolchain's and the system's, not the Datafile's data.
    public static let systemPrefixes = ["/proc/", "/sys/", "/dev/", "/usr/", "/lib/", "/lib64/", "/etc/", "/opt/", "/bin/", "/sbin/", "/run/"]

    /// The trace's reads as inputs: paths made absolute (against the project folder, where the
    /// evaluator runs), system paths and dbuild's own folder left out, each input once.
    public static func collect(trace: String, root: String) -> [EvaluationInput] {
        guard let text = readFile(trace) else { return [] }
        var seen: [String: Character] = [:]
        var order: [String] = []
        for line in text.split(separator: "\n") {
            guard let kind = line.first, kind != "#", line.count > 2 else { continue }
            var name = String(line.dropFirst(2))
            if kind != "e" {
                name = normalizedPath(name.hasPrefix("/") ? name : root + "/" + name)
                let inProject = name.hasPrefix(root + "/")
                if (!inProject && systemPrefixes.contains(where: name.hasPrefix)) || name.hasPrefix(root + "/.dbuild/") { continue }
            } else if name.hasPrefix("DBUILD_EVAL_") {
                continue
            }
            let key = (kind == "e" ? "e:" : "p:") + name
            if let known = seen[key] {
                // A file both looked at and opened is judged by its content; a listed folder by its names.
                if known == "s" && (kind == "o" || kind == "d") { seen[key] = kind }
                continue
            }
            seen[key] = kind
            order.append(key)
        }
        return order.map { key in
            let name = String(key.dropFirst(2))
            let kind = seen[key]!
            return EvaluationInput(kind: kind, name: name, fingerprint: fingerprint(kind, name))
        }
    }

    /// What an input is now. Files: size, mtime and content hash; a path looked at: whether it is
    /// there and what it is; a folder: its sorted names; a variable: its value.
    public static func fingerprint(_ kind: Character, _ name: String) -> String {
        if kind == "e" { return getenv(name).map { "=" + String(cString: $0) } ?? "unset" }
        var s = stat()
        guard stat(name, &s) == 0 else { return "absent" }
        let isDirectory = (s.st_mode & S_IFMT) == S_IFDIR
        if isDirectory && (kind == "d" || kind == "o") {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: name)) ?? []).sorted()
            return "names \(names.count) " + hash(Data(names.joined(separator: "\n").utf8))
        }
        if isDirectory { return "folder" }
        let mtime = Int64(s.st_mtim.tv_sec) * 1_000_000_000 + Int64(s.st_mtim.tv_nsec)
        guard kind == "o" else { return "file" }
        let content = FileManager.default.contents(atPath: name).map(hash) ?? "unreadable"
        return "file \(s.st_size) \(mtime) \(content)"
    }

    private static func hash(_ data: Data) -> String { String(data.withUnsafeBytes { xxh3Bytes($0) }, radix: 16) }

    /// The first input that is no longer what it was (nil: the cached graph stands). A file whose
    /// size and mtime are unchanged is not read again.
    public static func firstChanged(_ inputs: [EvaluationInput]) -> EvaluationInput? {
        inputs.first { input in
            if input.kind == "o", input.fingerprint.hasPrefix("file ") {
                var s = stat()
                let parts = input.fingerprint.split(separator: " ")
                if stat(input.name, &s) == 0, parts.count == 4, String(s.st_size) == parts[1],
                   String(Int64(s.st_mtim.tv_sec) * 1_000_000_000 + Int64(s.st_mtim.tv_nsec)) == parts[2] {
                    return false
                }
                let now = fingerprint(input.kind, input.name).split(separator: " ")
                return now.count != 4 || now[3] != parts[3]          // touched, not changed: still the same
            }
            return fingerprint(input.kind, input.name) != input.fingerprint
        }
    }

    /// One line per input: kind, tab, fingerprint, tab, name.
    public static func write(_ inputs: [EvaluationInput], to path: String) throws {
        let text = inputs.map { "\($0.kind)\t\($0.fingerprint)\t\($0.name)\n" }.joined()
        try writeAtomically(Data(text.utf8), to: path)
    }

    public static func read(_ path: String) -> [EvaluationInput]? {
        guard let text = readFile(path) else { return nil }
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, let kind = parts[0].first else { return nil }
            return EvaluationInput(kind: kind, name: String(parts[2]), fingerprint: String(parts[1]))
        }
    }
}

import Foundation
import Basics

/// A manifest's JSON, written directly: `JSONEncoder` first builds a tree of boxed values, and was
/// half of planning a 40,000-step submission. The keys are the properties' names, so `JSONDecoder`
/// reads it back as it would its own output (tested by a round trip).
extension ArrayManifest {
    public func jsonBytes() -> [UInt8] {
        var out = JSONOut()
        Self.writeJSON(&out, submission: submission, projectRoot: projectRoot, array: array, rule: rule, parallel: parallel,
                       roots: roots, taskCount: tasks.count) { tasks[$0] }
        return out.bytes
    }

    /// Streams a manifest to `path` (a temporary file, then renamed), building each task's steps only
    /// when it is written: a 10^6-step plan never holds all its steps' JSON, or all their `TaskStep`s.
    public static func write(to path: String, submission: String, projectRoot: String, array: Int, rule: String, parallel: Int?,
                             roots: [String: [String]]? = nil, taskCount: Int, steps: (Int) -> [TaskStep]) throws {
        let temporary = "\(path).\(getpid()).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SpawnError(description: "cannot write \(temporary): \(String(cString: strerror(errno)))") }
        var out = JSONOut(fd: fd)
        writeJSON(&out, submission: submission, projectRoot: projectRoot, array: array, rule: rule, parallel: parallel,
                  roots: roots, taskCount: taskCount, steps: steps)
        out.flush()
        close(fd)
        guard out.failed == nil, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw SpawnError(description: "cannot write \(path): \(out.failed ?? String(cString: strerror(errno)))")
        }
    }

    private static func writeJSON(_ out: inout JSONOut, submission: String, projectRoot: String, array: Int, rule: String,
                                  parallel: Int?, roots: [String: [String]]?, taskCount: Int, steps: (Int) -> [TaskStep]) {
        out.raw("{\"submission\":"); out.string(submission)
        out.raw(",\"projectRoot\":"); out.string(projectRoot)
        out.raw(",\"array\":\(array),\"rule\":"); out.string(rule)
        out.raw(",\"tasks\":[")
        for t in 0..<taskCount {
            out.raw(t == 0 ? "[" : ",[")
            for (i, step) in steps(t).enumerated() {
                if i > 0 { out.raw(",") }
                out.step(step)
            }
            out.raw("]")
            out.flushIfLarge()
        }
        out.raw("]")
        if let parallel { out.raw(",\"parallel\":\(parallel)") }
        if let roots, !roots.isEmpty {
            out.raw(",\"roots\":{")
            for (i, name) in roots.keys.sorted().enumerated() {
                if i > 0 { out.raw(",") }
                out.string(name); out.raw(":"); out.strings(roots[name] ?? [])
            }
            out.raw("}")
        }
        out.raw("}")
    }
}

private struct JSONOut {
    var bytes: [UInt8] = []
    /// Where full buffers go (nil: everything stays in `bytes`).
    var fd: Int32?
    var failed: String?

    init(fd: Int32? = nil) {
        self.fd = fd
        bytes.reserveCapacity(fd == nil ? 4096 : 1 << 20)
    }

    mutating func flushIfLarge() { if fd != nil && bytes.count >= 1 << 20 { flush() } }

    mutating func flush() {
        guard let fd, failed == nil else { return }
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                failed = String(cString: strerror(errno))
                return
            }
            offset += n
        }
        bytes.removeAll(keepingCapacity: true)
    }

    mutating func raw(_ text: String) { bytes.append(contentsOf: text.utf8) }

    mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        // Most strings (paths, names, plain recipes) need no escaping: copied in one go.
        let plain: Bool? = text.utf8.withContiguousStorageIfAvailable { buffer in
            for byte in buffer where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { return false }
            bytes.append(contentsOf: buffer)
            return true
        }
        if plain == true {
            bytes.append(UInt8(ascii: "\""))
            return
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): raw("\\\"")
            case UInt8(ascii: "\\"): raw("\\\\")
            case UInt8(ascii: "\n"): raw("\\n")
            case UInt8(ascii: "\r"): raw("\\r")
            case UInt8(ascii: "\t"): raw("\\t")
            case 0..<0x20: raw("\\u00" + (byte < 16 ? "0" : "") + String(byte, radix: 16))
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func strings(_ list: [String]) {
        raw("[")
        for (i, s) in list.enumerated() {
            if i > 0 { raw(",") }
            string(s)
        }
        raw("]")
    }

    mutating func step(_ s: TaskStep) {
        raw("{\"name\":"); string(s.name)
        raw(",\"command\":"); string(s.command)
        raw(",\"outputs\":"); strings(s.outputs)
        raw(",\"log\":"); string(s.log)
        raw(",\"keepOutputs\":" + (s.keepOutputs ? "true" : "false"))
        raw(",\"signature\":"); string(s.signature)
        if let attempt = s.attempt { raw(",\"attempt\":\(attempt)") }
        if let previous = s.previousExit { raw(",\"previousExit\":"); string(previous) }
        if let inputs = s.inputs, !inputs.isEmpty { raw(",\"inputs\":"); strings(inputs) }
        if let needs = s.needs, !needs.isEmpty {
            raw(",\"needs\":[")
            for (i, need) in needs.enumerated() {
                raw(i == 0 ? "{\"name\":" : ",{\"name\":"); string(need.name)
                raw(",\"result\":"); string(need.result); raw("}")
            }
            raw("]")
        }
        if let cutoff = s.cutoff {
            raw(",\"cutoff\":{")
            if let hashes = cutoff.inputHashes { raw("\"inputHashes\":[" + hashes.map { String($0) }.joined(separator: ",") + "]") }
            raw("}")
        }
        if let minimum = s.minimumBytes, minimum > 0 { raw(",\"minimumBytes\":\(minimum)") }
        if let minimum = s.minimumFiles, minimum > 0 { raw(",\"minimumFiles\":\(minimum)") }
        if let required = s.requiredEntries, !required.isEmpty { raw(",\"requiredEntries\":"); strings(required) }
        if s.staged == true { raw(",\"staged\":true") }
        raw("}")
    }
}

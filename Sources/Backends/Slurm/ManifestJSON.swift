import Foundation

/// A manifest's JSON, written directly: `JSONEncoder` first builds a tree of boxed values, and was
/// half of planning a 40,000-step submission. The keys are the properties' names, so `JSONDecoder`
/// reads it back as it would its own output (tested by a round trip).
extension ArrayManifest {
    public func jsonBytes() -> [UInt8] {
        var out = JSONOut()
        out.raw("{\"submission\":"); out.string(submission)
        out.raw(",\"projectRoot\":"); out.string(projectRoot)
        out.raw(",\"array\":\(array),\"rule\":"); out.string(rule)
        out.raw(",\"tasks\":[")
        for (t, task) in tasks.enumerated() {
            out.raw(t == 0 ? "[" : ",[")
            for (i, step) in task.enumerated() {
                if i > 0 { out.raw(",") }
                out.step(step)
            }
            out.raw("]")
        }
        out.raw("]")
        if let parallel { out.raw(",\"parallel\":\(parallel)") }
        out.raw("}")
        return out.bytes
    }
}

private struct JSONOut {
    var bytes: [UInt8] = []

    mutating func raw(_ text: String) { bytes.append(contentsOf: text.utf8) }

    mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
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
        if let inputs = s.inputs { raw(",\"inputs\":"); strings(inputs) }
        if let needs = s.needs {
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
        if let minimum = s.minimumBytes { raw(",\"minimumBytes\":\(minimum)") }
        raw("}")
    }
}

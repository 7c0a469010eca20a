import Foundation
import Targets

/// How every `--json` prints: pretty, keys sorted (stable for diffs and golden tests), slashes as
/// they are (step names are paths).
public enum JSONOutput {
    public static func text<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(value)) ?? Data(), as: UTF8.self)
    }

    /// A value on one line (a string quoted and escaped).
    public static func line<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(value)) ?? Data(), as: UTF8.self)
    }

    /// A field of an element written by `printStreaming`.
    public enum Scalar {
        case string(String)
        case int(Int)
        case bool(Bool)
    }

    /// Prints `header` as `text` would, except that its top-level array `key` (empty in `header`)
    /// gets `count` elements written one at a time: a plan of ten million steps is never held as
    /// one string (JSONEncoder needed 1.1 GB for a million). Byte for byte what `text` prints for
    /// the whole document; `element(i)` gives an element's fields, nil values left out.
    public static func printStreaming<T: Encodable>(_ header: T, key: String, count: Int,
                                                   element: (Int) -> [(String, Scalar?)], to write: (String) -> Void) {
        let encoded = text(header)
        let empty = "\"\(key)\" : [\n\n  ]"
        guard count > 0, let range = encoded.range(of: empty) else {
            write(encoded + "\n")
            return
        }
        var out = String(encoded[..<range.lowerBound]) + "\"\(key)\" : [\n"
        out.reserveCapacity(1 << 20 + 4096)
        for i in 0..<count {
            out += i == 0 ? "    {\n" : ",\n    {\n"
            let fields = element(i).compactMap { name, value in value.map { (name, $0) } }.sorted { $0.0 < $1.0 }
            for (n, (name, value)) in fields.enumerated() {
                out += "      \""
                appendJSONEscaped(name, to: &out)
                out += "\" : "
                switch value {
                case .string(let s): out += "\""; appendJSONEscaped(s, to: &out); out += "\""
                case .int(let v): out += String(v)
                case .bool(let v): out += v ? "true" : "false"
                }
                out += n == fields.count - 1 ? "\n" : ",\n"
            }
            out += "    }"
            if out.utf8.count >= 1 << 20 {
                write(out)
                out.removeAll(keepingCapacity: true)
            }
        }
        out += "\n  ]" + encoded[range.upperBound...] + "\n"
        write(out)
    }

    /// Writes to standard output as it comes.
    public static func standardOutput(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}

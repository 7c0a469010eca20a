import Foundation

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
                appendEscaped(name, to: &out)
                out += "\" : "
                switch value {
                case .string(let s): out += "\""; appendEscaped(s, to: &out); out += "\""
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

    /// Escapes as JSONEncoder does: quote, backslash and control characters; everything else as is.
    static func appendEscaped(_ text: String, to out: inout String) {
        guard text.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) else {
            out += text
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
    }

    /// Writes to standard output as it comes.
    public static func standardOutput(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}

// A campaign's configuration as JSON (`config(of: "campaign.json")`): parsed here, in a few
// dozen lines of Glibc-only Swift, so a Datafile still compiles in well under a second (a TOML or
// YAML parser would not). Like every read of the evaluation, the file is recorded: change it and
// dbuild evaluates the Datafile again.

/// A JSON value: `config["seeds"].strings`, `config["box"]["size"].string`, `config["runs"].array`.
public enum JSONValue: Equatable, Sendable {
    case string(String)
    case number(String)          // as written: a parameter value is text
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([String: JSONValue])

    public subscript(key: String) -> JSONValue {
        if case .object(let members) = self { return members[key] ?? .null }
        return .null
    }

    public subscript(index: Int) -> JSONValue {
        if case .array(let items) = self, items.indices.contains(index) { return items[index] }
        return .null
    }

    /// A string, number or boolean as text (nil for null, arrays and objects).
    public var string: String? {
        switch self {
        case .string(let s), .number(let s): return s
        case .bool(let b): return b ? "true" : "false"
        default: return nil
        }
    }

    public var array: [JSONValue] {
        if case .array(let items) = self { return items }
        return []
    }

    /// The texts of an array's scalar items: a parameter's values.
    public var strings: [String] { array.compactMap(\.string) }

    public var keys: [String] {
        if case .object(let members) = self { return members.keys.sorted() }
        return []
    }
}

/// The JSON file at `path`, parsed; a missing or malformed file is a Datafile error at this line.
public func config(of path: String, file: String = #filePath, line: Int = #line) -> JSONValue {
    let here = Declaration(file: file, line: line)
    let bytes = Array(readText(path, here).utf8)
    var parser = JSONParser(bytes: bytes)
    do {
        let value = try parser.value()
        parser.skipSpace()
        guard parser.index == bytes.count else { throw JSONParser.Failure(offset: parser.index, what: "text after the value") }
        return value
    } catch let failure as JSONParser.Failure {
        here.fail("\(path) is not valid JSON: \(failure.what) at byte \(failure.offset)")
    } catch {
        here.fail("\(path) is not valid JSON")
    }
}

struct JSONParser {
    struct Failure: Error { let offset: Int; let what: String }
    let bytes: [UInt8]
    var index = 0

    mutating func skipSpace() {
        while index < bytes.count, [0x20, 0x0a, 0x0d, 0x09].contains(bytes[index]) { index += 1 }
    }

    mutating func value() throws -> JSONValue {
        skipSpace()
        guard index < bytes.count else { throw Failure(offset: index, what: "a value was expected") }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            index += 1
            var members: [String: JSONValue] = [:]
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
            while true {
                skipSpace()
                guard case .string(let key) = try value() else { throw Failure(offset: index, what: "a key in quotes was expected") }
                try expect(":")
                members[key] = try value()
                skipSpace()
                if try endOrComma("}") { return .object(members) }
            }
        case UInt8(ascii: "["):
            index += 1
            var items: [JSONValue] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
            while true {
                items.append(try value())
                skipSpace()
                if try endOrComma("]") { return .array(items) }
            }
        case UInt8(ascii: "\""):
            return .string(try string())
        default:
            let start = index
            while index < bytes.count, !",]} \n\r\t".utf8.contains(bytes[index]) { index += 1 }
            let word = String(decoding: bytes[start..<index], as: UTF8.self)
            switch word {
            case "true": return .bool(true)
            case "false": return .bool(false)
            case "null": return .null
            default:
                guard !word.isEmpty, word.allSatisfy({ "0123456789+-.eE".contains($0) }) else {
                    throw Failure(offset: start, what: "unexpected '\(word.prefix(20))'")
                }
                return .number(word)
            }
        }
    }

    private mutating func string() throws -> String {
        index += 1
        var out: [UInt8] = []
        while index < bytes.count {
            let c = bytes[index]
            index += 1
            if c == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
            guard c == UInt8(ascii: "\\") else { out.append(c); continue }
            guard index < bytes.count else { break }
            let e = bytes[index]
            index += 1
            switch e {
            case UInt8(ascii: "n"): out.append(0x0a)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0d)
            case UInt8(ascii: "u"):
                guard index + 4 <= bytes.count, let code = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16),
                      let scalar = Unicode.Scalar(code) else { throw Failure(offset: index, what: "a bad \\u escape") }
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
                index += 4
            default: out.append(e)              // \" \\ \/
            }
        }
        throw Failure(offset: index, what: "an unterminated string")
    }

    private mutating func expect(_ c: Character) throws {
        skipSpace()
        guard index < bytes.count, bytes[index] == c.asciiValue! else { throw Failure(offset: index, what: "'\(c)' was expected") }
        index += 1
    }

    private mutating func endOrComma(_ end: Character) throws -> Bool {
        guard index < bytes.count else { throw Failure(offset: index, what: "'\(end)' was expected") }
        if bytes[index] == end.asciiValue! { index += 1; return true }
        guard bytes[index] == UInt8(ascii: ",") else { throw Failure(offset: index, what: "',' or '\(end)' was expected") }
        index += 1
        return false
    }
}

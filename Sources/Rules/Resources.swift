/// What one step of a rule needs: the local backend schedules by `cpus` and `memoryMB`; the SLURM
/// fields are carried for the batch backends.
public struct Resources: Equatable, Sendable {
    public var cpus: Int = 1
    public var memoryMB: Int = 0          // 0: not declared
    public var timeSeconds: Int = 0       // 0: no limit
    public var nodes: Int = 1
    public var tasksPerNode: Int = 1
    public var partition: String? = nil
    public var account: String? = nil
    public var qos: String? = nil
    public var constraint: String? = nil
    public var extraFlags: [String] = []

    public init() {}
}

/// Reasons a resource string is malformed; the message says what is accepted.
public struct ResourceError: Error, CustomStringConvertible {
    public let description: String
}

/// Parses "512M", "4G", "1.5G", "2T" or a bare number of megabytes into megabytes.
public func parseMemory(_ text: String) throws -> Int {
    let units: [Character: Double] = ["K": 1.0 / 1024, "M": 1, "G": 1024, "T": 1024 * 1024]
    var body = Substring(text.uppercased())
    if body.hasSuffix("B") { body = body.dropLast() }
    var scale = 1.0
    if let last = body.last, let unit = units[last] { scale = unit; body = body.dropLast() }
    guard let number = Double(body), number > 0, number.isFinite else {
        throw ResourceError(description: "memory \"\(text)\" is not a size; write e.g. \"512M\", \"4G\" or \"1.5T\"")
    }
    let megabytes = number * scale
    guard megabytes < 1024 * 1024 * 1024 else {
        throw ResourceError(description: "memory \"\(text)\" is absurdly large; write e.g. \"4G\" or \"64G\"")
    }
    return max(1, Int(megabytes.rounded(.up)))
}

/// Parses SLURM-style times ("MM", "MM:SS", "HH:MM:SS", "D-HH:MM:SS") or "90s", "30m", "6h", "2d" into seconds.
public func parseTime(_ text: String) throws -> Int {
    let bad = ResourceError(description: "time \"\(text)\" is not a duration; write e.g. \"6:00:00\", \"1-12:00:00\", \"90m\" or \"2h\"")
    let suffixes: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
    if let last = text.last, let unit = suffixes[last] {
        guard let number = Int(text.dropLast()), number > 0, number * unit <= 366 * 86400 else { throw bad }
        return number * unit
    }
    var days = 0
    var clock = Substring(text)
    if let dash = text.firstIndex(of: "-") {
        guard let d = Int(text[..<dash]), d >= 0 else { throw bad }
        days = d
        clock = text[text.index(after: dash)...]
    }
    let parts = clock.split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
    guard !parts.isEmpty, parts.count <= 3, parts.allSatisfy({ $0 != nil && $0! >= 0 }) else { throw bad }
    let numbers = parts.map { $0! }
    let seconds: Int
    switch numbers.count {
    case 1: seconds = numbers[0] * 60                                  // SLURM: a bare number is minutes
    case 2: seconds = days > 0 ? numbers[0] * 3600 + numbers[1] * 60 : numbers[0] * 60 + numbers[1]
    default: seconds = numbers[0] * 3600 + numbers[1] * 60 + numbers[2]
    }
    let total = days * 86400 + seconds
    guard total > 0, total <= 366 * 86400 else { throw bad }
    return total
}

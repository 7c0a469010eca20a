/// A set of values one grid parameter ranges over: an array of anything printable, or an Int range.
public protocol ParameterValues {
    var parameterValues: [String] { get }
}

extension Array: ParameterValues where Element: CustomStringConvertible {
    public var parameterValues: [String] { map(\.description) }
}

extension Range: ParameterValues where Bound == Int {
    public var parameterValues: [String] { map(String.init) }
}

extension ClosedRange: ParameterValues where Bound == Int {
    public var parameterValues: [String] { map(String.init) }
}

extension StrideTo: ParameterValues where Element == Int {
    public var parameterValues: [String] { map(String.init) }
}

extension StrideThrough: ParameterValues where Element == Int {
    public var parameterValues: [String] { map(String.init) }
}

/// Zero-pads an integer: `padded(7, width: 3)` is "007" (the Datafile has no Foundation `String(format:)`).
public func padded(_ value: Int, width: Int) -> String {
    let digits = String(value)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}

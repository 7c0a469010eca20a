/// A pattern rule in the wire format: its grid and path patterns, in place of its expanded steps.
/// The evaluator writes one instead of a million paths; `GraphDescription.decode` expands it where
/// its steps stood, interning each path so that it is the same string id as the same path written
/// anywhere else (another rule's input, another pattern's output).
struct PatternBlock {
    /// A piece of a pattern: a string id, or `parameterFlag | index` for a parameter's value.
    static let parameterFlag: UInt32 = 0x8000_0000

    let rule: UInt32
    /// Steps written before this rule's (its place in the step order).
    let position: Int
    /// Per parameter, its values' string ids.
    let values: [[UInt32]]
    /// Input patterns, then tool patterns (the last `toolCount`).
    let inputs: [[UInt32]]
    let toolCount: Int
    let outputs: [[UInt32]]
    let recipe: UInt32

    var stepCount: Int { values.reduce(1) { $0 * $1.count } }
}

/// In a step's inputs (wire format and evaluator only): every output of pattern block `id - base`,
/// in step order — the usual `s.inputs = s.outputs(of: "mock")` over a pattern rule.
let patternOutputsReference: UInt32 = 0xF000_0000
/// In the step list: "the steps of pattern block `rule & ~flag` go here".
let patternStepsFlag: UInt32 = 0x8000_0000
/// Between the rules and the steps: pattern blocks follow. (Never a step count: those stay far below.)
let patternBlocksMarker: UInt32 = 0xFFFF_FFFE

extension PatternBlock {
    func write(to w: inout WireWriter) {
        w.u32(rule)
        w.u32(UInt32(values.count))
        for ids in values { w.ids(ids[...]) }
        w.u32(UInt32(inputs.count))
        w.u32(UInt32(toolCount))
        for pieces in inputs { w.ids(pieces[...]) }
        w.u32(UInt32(outputs.count))
        for pieces in outputs { w.ids(pieces[...]) }
        w.u32(recipe)
    }

    static func read(from r: inout WireReader, stringCount: Int, rules: [RuleDescription]) throws -> PatternBlock {
        let rule = try r.u32()
        guard rule < rules.count else { throw WireReader.Truncated() }
        let parameterCount = Int(try r.u32())
        guard parameterCount == rules[Int(rule)].parameterNames.count else { throw WireReader.Truncated() }
        var values: [[UInt32]] = []
        for _ in 0..<parameterCount {
            var ids: [UInt32] = []
            guard try r.ids(into: &ids, limit: stringCount) > 0 else { throw WireReader.Truncated() }
            values.append(ids)
        }
        func patterns(_ count: Int) throws -> [[UInt32]] {
            guard count <= 10_000 else { throw WireReader.Truncated() }
            return try (0..<count).map { _ in
                var pieces: [UInt32] = []
                _ = try r.ids(into: &pieces, limit: Int(UInt32.max))
                for piece in pieces {
                    let valid = piece & parameterFlag != 0 ? Int(piece & ~parameterFlag) < parameterCount : Int(piece) < stringCount
                    guard valid else { throw WireReader.Truncated() }
                }
                return pieces
            }
        }
        let inputCount = Int(try r.u32()), toolCount = Int(try r.u32())
        guard toolCount <= inputCount else { throw WireReader.Truncated() }
        let inputs = try patterns(inputCount)
        let outputs = try patterns(Int(try r.u32()))
        let recipe = try r.u32()
        guard recipe < stringCount else { throw WireReader.Truncated() }
        var steps = 1
        for ids in values {
            let (product, overflow) = steps.multipliedReportingOverflow(by: ids.count)
            guard !overflow, product <= 50_000_000 else { throw WireReader.Truncated() }
            steps = product
        }
        return PatternBlock(rule: rule, position: 0, values: values, inputs: inputs, toolCount: toolCount,
                            outputs: outputs, recipe: recipe)
    }
}

extension GraphDescription {
    /// Appends the steps of `block` (decoding), each path interned; returns where its outputs are
    /// in `outputIDs`, for steps that take all of them as inputs.
    mutating func expand(_ block: PatternBlock, interner: inout PathInterner) -> Range<Int> {
        let firstOutput = outputIDs.count
        let layout = ExpansionLayout(block, strings: strings)
        defer { layout.deallocate() }
        let parameters = block.values.count, patterns = block.inputs.count + block.outputs.count
        let inputCount = block.inputs.count, toolCount = UInt32(block.toolCount)
        var path = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 4096)
        defer { path.deallocate() }
        var table = strings         // a local array in the loop, put back after
        strings = []
        while true {
            for k in 0..<patterns {
                var length = 0
                for p in layout.patternStart[k]..<layout.patternStart[k + 1] {
                    let (start, count) = layout.piece(p)
                    if length + count > path.count {
                        let larger = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 2 * (length + count))
                        larger.baseAddress!.update(from: path.baseAddress!, count: length)
                        path.deallocate()
                        path = larger
                    }
                    (path.baseAddress! + length).update(from: layout.bytes.baseAddress! + start, count: count)
                    length += count
                }
                layout.ids[k] = interner.intern(UnsafeBufferPointer(rebasing: path[0..<length]), into: &table)
            }
            stepRule.append(block.rule)
            for parameter in 0..<parameters { parameterIDs.append(layout.valueID(parameter)) }
            parameterStart.append(UInt32(parameterIDs.count))
            for k in 0..<inputCount { inputIDs.append(layout.ids[k]) }
            inputStart.append(UInt32(inputIDs.count))
            for k in inputCount..<patterns { outputIDs.append(layout.ids[k]) }
            outputStart.append(UInt32(outputIDs.count))
            recipeIDs.append(block.recipe)
            toolCounts.append(toolCount)
            if !layout.advance() { break }
        }
        strings = table
        return firstOutput..<outputIDs.count
    }
}

/// A pattern block laid out in raw memory for `expand`'s loop: every text piece and value once in
/// one byte buffer, pieces and values as (start, count) in it. No arrays in the loop: reading an
/// array there costs a retain and a release each time (they were half of the loop's time).
private struct ExpansionLayout {
    let bytes: UnsafeMutableBufferPointer<UInt8>
    /// Per piece: start and count in `bytes`, or start -1 - p for parameter p's value.
    let pieces: UnsafeMutableBufferPointer<(start: Int, count: Int)>
    let patternStart: UnsafeMutableBufferPointer<Int>
    /// Values of all parameters, flat: parameter p's are from `valueStart[p]`.
    let values: UnsafeMutableBufferPointer<(start: Int, count: Int)>
    let valueIDs: UnsafeMutableBufferPointer<UInt32>
    let valueStart: UnsafeMutableBufferPointer<Int>
    let valueCounts: UnsafeMutableBufferPointer<Int>
    /// The current combination (an odometer, last parameter fastest).
    let counters: UnsafeMutableBufferPointer<Int>
    /// Scratch: the ids of the current step's paths.
    let ids: UnsafeMutableBufferPointer<UInt32>

    init(_ block: PatternBlock, strings: [String]) {
        var bytes: [UInt8] = []
        func place(_ id: UInt32) -> (start: Int, count: Int) {
            let start = bytes.count
            bytes.append(contentsOf: strings[Int(id)].utf8)
            return (start, bytes.count - start)
        }
        var values: [(start: Int, count: Int)] = [], valueStart: [Int] = []
        for ids in block.values { valueStart.append(values.count); values += ids.map(place) }
        var pieces: [(start: Int, count: Int)] = [], patternStart = [0]
        for pattern in block.inputs + block.outputs {
            for piece in pattern {
                pieces.append(piece & PatternBlock.parameterFlag != 0 ? (-1 - Int(piece & ~PatternBlock.parameterFlag), 0) : place(piece))
            }
            patternStart.append(pieces.count)
        }
        func copy<T>(_ array: [T]) -> UnsafeMutableBufferPointer<T> {
            let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: max(1, array.count))
            _ = buffer.initialize(from: array)
            return UnsafeMutableBufferPointer(start: buffer.baseAddress, count: array.count)    // (0 for no parameters)
        }
        self.bytes = copy(bytes)
        self.pieces = copy(pieces)
        self.patternStart = copy(patternStart)
        self.values = copy(values)
        valueIDs = copy(block.values.flatMap { $0 })
        self.valueStart = copy(valueStart)
        valueCounts = copy(block.values.map(\.count))
        counters = copy([Int](repeating: 0, count: block.values.count))
        ids = copy([UInt32](repeating: 0, count: patternStart.count - 1))
    }

    func piece(_ p: Int) -> (start: Int, count: Int) {
        let piece = pieces[p]
        guard piece.start < 0 else { return piece }
        let parameter = -1 - piece.start
        return values[valueStart[parameter] + counters[parameter]]
    }

    func valueID(_ parameter: Int) -> UInt32 { valueIDs[valueStart[parameter] + counters[parameter]] }

    /// Moves to the next combination; false after the last.
    func advance() -> Bool {
        var position = counters.count - 1
        while position >= 0 {
            counters[position] += 1
            if counters[position] < valueCounts[position] { return true }
            counters[position] = 0
            position -= 1
        }
        return false
    }

    func deallocate() {
        bytes.deallocate(); pieces.deallocate(); patternStart.deallocate(); values.deallocate()
        valueIDs.deallocate(); valueStart.deallocate(); valueCounts.deallocate(); counters.deallocate(); ids.deallocate()
    }
}

/// Finds the string id of a path made while decoding, against every string already in the table:
/// one spelling, one id (the graph links a consumer to its producer by id). Open addressing over
/// 64-bit hashes, strings compared only when the hashes agree.
struct PathInterner {
    /// Per slot: the low 32 bits of the path's hash, then its id + 1 (0: empty) — one 8-byte word,
    /// so that an insert touches one cache line, not one in a hash array and one in an id array.
    private var slots: [UInt64]
    private let shift: UInt64

    init(strings: inout [String], expected: Int) {
        var bits: UInt64 = 4
        while (1 << bits) < (strings.count + expected) * 4 / 3 + 1 { bits += 1 }
        slots = [UInt64](repeating: 0, count: 1 << bits)
        shift = 64 - bits
        for index in strings.indices {
            var string = strings[index]
            _ = string.withUTF8 { intern($0, into: &strings, knownID: UInt32(index)) }
        }
    }

    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325            // FNV-1a, then mixed so the top bits spread
        for byte in bytes { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let m = (h ^ (h >> 31)) &* 0xbf58_476d_1ce4_e5b9
        return m ^ (m >> 29)
    }

    /// The id of `bytes`: an existing string's, or a new one appended to `strings`.
    mutating func intern(_ bytes: UnsafeBufferPointer<UInt8>, into strings: inout [String], knownID: UInt32? = nil) -> UInt32 {
        let h = Self.hash(bytes)
        let fingerprint = h & 0xFFFF_FFFF
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: h >> shift)
        while true {
            let word = slots[slot]
            if word == 0 {
                let id = knownID ?? UInt32(strings.count)
                if knownID == nil { strings.append(String(decoding: bytes, as: UTF8.self)) }
                slots[slot] = fingerprint << 32 | UInt64(id + 1)
                return id
            }
            if word >> 32 == fingerprint {
                let id = UInt32(truncatingIfNeeded: word) - 1
                if strings[Int(id)].utf8.elementsEqual(bytes) { return id }
            }
            slot = (slot + 1) & mask
        }
    }
}

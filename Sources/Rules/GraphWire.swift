// The evaluator → dbuild wire format ("graph.bin"), little-endian:
//
//   "DBUILDG7"
//   u32 string count, then each string as u32 byte length + UTF-8 bytes
//   u32 rule count, then per rule: name, line, parameter names, staleness, resources, expectations
//   (when pattern rules are declared) u32 0xFFFFFFFE, u32 block count, then per block: rule, grid
//     value ids, input/tool/output patterns, recipe id (PatternBlock.swift)
//   u32 entry count, then per entry: a step (rule, parameter ids, inputs, outputs, recipe id), or
//     0x80000000 | k: pattern block k's steps, expanded here; an input id 0xF0000000 + k stands for
//     every output of block k
//   (when roots are declared) u32 root count, then per root: name, line, locations
//
// Strings are interned once and referenced by index. A custom binary format because JSON of 10^6
// steps takes ~30 s to round-trip and this one well under 2 s; the magic carries the version.

private let magic: [UInt8] = Array("DBUILDG7".utf8)
/// The previous version's format, still read (a project cached by it keeps its graph): G6 lacks
/// the rules' folder expectations.
private let previousMagic: [UInt8] = Array("DBUILDG6".utf8)
private let noString = UInt32.max

/// Appends little-endian values to a byte buffer.
struct WireWriter {
    var bytes: [UInt8] = []
    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func int(_ v: Int) { u64(UInt64(bitPattern: Int64(v))) }
    mutating func ids(_ ids: ArraySlice<UInt32>) { u32(UInt32(ids.count)); for id in ids { u32(id) } }
    mutating func string(_ s: String) { u32(UInt32(s.utf8.count)); bytes.append(contentsOf: s.utf8) }
}

/// Reads what `WireWriter` wrote; every read is bounds-checked so a truncated file is an error, not a crash.
struct WireReader {
    let bytes: [UInt8]
    var offset = 0

    struct Truncated: Error {}

    mutating func u8() throws -> UInt8 {
        guard offset < bytes.count else { throw Truncated() }
        defer { offset += 1 }
        return bytes[offset]
    }
    mutating func u32() throws -> UInt32 {
        guard offset + 4 <= bytes.count else { throw Truncated() }
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(bytes[offset + i]) << (8 * UInt32(i)) }
        offset += 4
        return v
    }
    mutating func u64() throws -> UInt64 {
        let low = try u32(), high = try u32()
        return UInt64(low) | UInt64(high) << 32
    }
    mutating func int() throws -> Int { Int(Int64(bitPattern: try u64())) }
    mutating func string() throws -> String {
        let count = Int(try u32())
        guard offset + count <= bytes.count else { throw Truncated() }
        defer { offset += count }
        return bytes.withUnsafeBufferPointer { String(decoding: $0[offset..<offset + count], as: UTF8.self) }
    }
    mutating func ids(into array: inout [UInt32], limit: Int) throws -> Int {
        let count = Int(try u32())
        guard count <= (bytes.count - offset) / 4 else { throw Truncated() }
        for _ in 0..<count {
            let id = try u32()
            guard id < limit else { throw Truncated() }
            array.append(id)
        }
        return count
    }
}

/// The graph file was not written by this version of the evaluator, or was cut short.
public struct GraphFormatError: Error, CustomStringConvertible {
    public let description: String
}

extension GraphDescription {
    public func encoded() -> [UInt8] {
        var all: [UInt8] = []
        encode { all.append(contentsOf: $0) }
        return all
    }

    /// The wire bytes, handed over in pieces (the table in ~1 MB chunks, then the body): a graph of
    /// 10^7 steps is written without a second copy of its 700 MB in memory.
    public func encode(_ emit: (ArraySlice<UInt8>) -> Void) {
        // Rules and steps first into a body; a string they need that is not in the table (rule-level
        // strings of a hand-built description) is appended after it. Step-level ids are used as they
        // are: no dictionary of every path is built again here.
        var extra: [String] = []
        var lookup: [String: UInt32] = [:]
        func id(_ s: String) -> UInt32 {
            if let known = lookup[s] { return known }
            let id = UInt32(strings.count + extra.count)
            extra.append(s)
            lookup[s] = id
            return id
        }
        func optional(_ s: String?) -> UInt32 { s.map(id) ?? noString }
        var w = WireWriter()
        w.bytes.reserveCapacity(64 + stepCount * 24)
        w.u32(UInt32(rules.count))
        for rule in rules {
            w.u32(id(rule.name))
            w.int(rule.line)
            w.ids(ArraySlice(rule.parameterNames.map(id)))
            w.u8(rule.staleness.rawValue)
            let r = rule.resources
            w.int(r.cpus); w.int(r.memoryMB); w.int(r.timeSeconds); w.int(r.nodes); w.int(r.tasksPerNode)
            w.u32(optional(r.partition)); w.u32(optional(r.account)); w.u32(optional(r.qos)); w.u32(optional(r.constraint))
            w.ids(ArraySlice(r.extraFlags.map(id)))
            w.int(rule.minimumOutputBytes)
            // Low two bits: 1 keeps a failed attempt's files, 2 checkpointing; 4 writes in place, 8 protected,
            // 16 temporary.
            w.u8((rule.checkpointing ? 2 : rule.keepsOutputsOnFailure ? 1 : 0) | (rule.writesInPlace ? 4 : 0)
                 | (rule.isProtected ? 8 : 0) | (rule.isTemporary ? 16 : 0))
            let b = rule.batch
            w.int(b.stepsPerTask); w.int(b.throttle); w.int(b.retries)
            w.u64(b.timeFactor.bitPattern); w.u64(b.memoryFactor.bitPattern)
            w.u8((b.requeue ? 1 : 0) | (b.appendOutput ? 2 : 0) | (b.fitResources ? 4 : 0))
            w.int(b.parallel)
            w.u32(UInt32(rule.hdf5Checks.count))
            for check in rule.hdf5Checks {
                w.u8(check.kind.rawValue)
                w.u32(id(check.path)); w.u32(id(check.owner)); w.u32(id(check.dtype))
                w.u32(UInt32(check.shape.count)); check.shape.forEach { w.int($0) }
            }
            w.int(rule.countGoal?.atLeast ?? -1)
            w.u32(id(rule.countGoal?.per ?? ""))
            w.int(rule.folderExpectation.minimumFiles)
            w.ids(ArraySlice(rule.folderExpectation.requiredEntries.map(id)))
        }
        if !patternBlocks.isEmpty {
            w.u32(patternBlocksMarker)
            w.u32(UInt32(patternBlocks.count))
            for block in patternBlocks { block.write(to: &w) }
        }
        w.u32(UInt32(stepCount + patternBlocks.count))
        var nextBlock = 0
        func blocks(at position: Int) {
            while nextBlock < patternBlocks.count, patternBlocks[nextBlock].position == position {
                w.u32(patternStepsFlag | UInt32(nextBlock))
                nextBlock += 1
            }
        }
        for step in 0..<stepCount {
            blocks(at: step)
            w.u32(stepRule[step])
            w.ids(parameters(ofStep: step))
            w.ids(inputs(ofStep: step))
            w.ids(outputs(ofStep: step))
            w.u32(recipeIDs[step])
            w.u32(toolCounts[step])
        }
        blocks(at: stepCount)
        // Roots last, and only when declared (or presence-only inputs follow): a graph without them reads as before.
        if !roots.isEmpty || !presenceOnly.isEmpty {
            w.u32(UInt32(roots.count))
            for root in roots {
                w.u32(id(root.name))
                w.int(root.line)
                w.u32(UInt32(root.locations.count))
                for location in root.locations { w.u32(id(location)) }
            }
        }
        if !presenceOnly.isEmpty { w.ids(ArraySlice(presenceOnly.map(id))) }
        let purged = roots.filter { $0.purgedAfterDays != nil }
        if !purged.isEmpty {
            w.u32(UInt32(purged.count))
            for root in purged { w.u32(id(root.name)); w.int(root.purgedAfterDays!) }
        }
        var out = WireWriter()
        out.bytes.reserveCapacity(1 << 20 + 1024)
        out.bytes.append(contentsOf: magic)
        // Flags: 1 the default backend is SLURM, 2 an onFinish command follows (older files: 0 or 1),
        // 4 presence-only inputs follow the roots, 8 then the purge ages of roots.
        out.u8((defaultBackend == "slurm" ? 1 : 0) | (onFinish != nil ? 2 : 0) | (presenceOnly.isEmpty ? 0 : 4)
               | (roots.contains { $0.purgedAfterDays != nil } ? 8 : 0))
        if let onFinish { out.string(onFinish) }
        out.u32(UInt32(strings.count + extra.count))
        for s in [strings, extra].joined() {
            let utf8 = s.utf8
            out.u32(UInt32(utf8.count))
            out.bytes.append(contentsOf: utf8)
            if out.bytes.count >= 1 << 20 {
                emit(out.bytes[...])
                out.bytes.removeAll(keepingCapacity: true)
            }
        }
        emit(out.bytes[...])
        emit(w.bytes[...])
    }

    public static func decode(_ bytes: [UInt8]) throws -> GraphDescription {
        guard bytes.count >= magic.count, Array(bytes[0..<magic.count]) == magic || Array(bytes[0..<magic.count]) == previousMagic else {
            throw GraphFormatError(description: "not a dbuild graph file of this version")
        }
        let hasFolderExpectations = Array(bytes[0..<magic.count]) == magic
        var r = WireReader(bytes: bytes, offset: magic.count)
        var g = GraphDescription()
        do {
            let flags = try r.u8()
            g.defaultBackend = flags & 1 == 1 ? "slurm" : "local"
            if flags & 2 != 0 { g.onFinish = try r.string() }
            let hasPresenceOnly = flags & 4 != 0, hasPurgeAges = flags & 8 != 0
            let stringCount = Int(try r.u32())
            g.strings.reserveCapacity(stringCount)
            for _ in 0..<stringCount { g.strings.append(try r.string()) }
            func string(_ id: UInt32) throws -> String {
                guard id < g.strings.count else { throw WireReader.Truncated() }
                return g.strings[Int(id)]
            }
            func optional(_ id: UInt32) throws -> String? { id == noString ? nil : try string(id) }
            let ruleCount = Int(try r.u32())
            for _ in 0..<ruleCount {
                let name = try string(try r.u32())
                let line = try r.int()
                var paramIDs: [UInt32] = []
                _ = try r.ids(into: &paramIDs, limit: stringCount)
                var rule = RuleDescription(name: name, line: line, parameterNames: try paramIDs.map(string))
                rule.staleness = Staleness(rawValue: try r.u8()) ?? .mtime
                rule.resources.cpus = try r.int(); rule.resources.memoryMB = try r.int()
                rule.resources.timeSeconds = try r.int(); rule.resources.nodes = try r.int()
                rule.resources.tasksPerNode = try r.int()
                rule.resources.partition = try optional(try r.u32()); rule.resources.account = try optional(try r.u32())
                rule.resources.qos = try optional(try r.u32()); rule.resources.constraint = try optional(try r.u32())
                var extra: [UInt32] = []
                _ = try r.ids(into: &extra, limit: stringCount)
                rule.resources.extraFlags = try extra.map(string)
                rule.minimumOutputBytes = try r.int()
                let keeping = try r.u8()
                rule.keepsOutputsOnFailure = keeping & 3 != 0
                rule.checkpointing = keeping & 3 == 2
                rule.writesInPlace = keeping & 4 != 0
                rule.isProtected = keeping & 8 != 0
                rule.isTemporary = keeping & 16 != 0
                rule.batch.stepsPerTask = try r.int(); rule.batch.throttle = try r.int(); rule.batch.retries = try r.int()
                rule.batch.timeFactor = Double(bitPattern: try r.u64()); rule.batch.memoryFactor = Double(bitPattern: try r.u64())
                let flags = try r.u8()
                rule.batch.requeue = flags & 1 != 0
                rule.batch.appendOutput = flags & 2 != 0
                rule.batch.fitResources = flags & 4 != 0
                rule.batch.parallel = max(1, try r.int())
                let checks = Int(try r.u32())
                guard checks <= 10_000 else { throw WireReader.Truncated() }
                for _ in 0..<checks {
                    let kind = HDF5Check.Kind(rawValue: try r.u8()) ?? .dataset
                    let path = try string(try r.u32()), owner = try string(try r.u32()), dtype = try string(try r.u32())
                    let rank = Int(try r.u32())
                    guard rank <= 32 else { throw WireReader.Truncated() }
                    let shape = try (0..<rank).map { _ in try r.int() }
                    rule.hdf5Checks.append(HDF5Check(kind: kind, path: path, owner: owner, shape: shape, dtype: dtype))
                }
                let atLeast = try r.int()
                let per = try string(try r.u32())
                if atLeast >= 0 { rule.countGoal = CountGoal(atLeast: atLeast, per: per) }
                if hasFolderExpectations {
                    rule.folderExpectation.minimumFiles = try r.int()
                    var required: [UInt32] = []
                    _ = try r.ids(into: &required, limit: stringCount)
                    rule.folderExpectation.requiredEntries = try required.map(string)
                }
                g.rules.append(rule)
            }
            var entries = Int(try r.u32())
            var blocks: [PatternBlock] = []
            if entries == Int(patternBlocksMarker) {
                let count = Int(try r.u32())
                guard count <= 100_000 else { throw WireReader.Truncated() }
                for _ in 0..<count { blocks.append(try PatternBlock.read(from: &r, stringCount: stringCount, rules: g.rules)) }
                entries = Int(try r.u32())
            }
            let expandedSteps = blocks.reduce(0) { $0 + $1.stepCount }
            g.stepRule.reserveCapacity(entries + expandedSteps)
            g.recipeIDs.reserveCapacity(entries + expandedSteps)
            var interner: PathInterner?
            var blockOutputs = [Range<Int>?](repeating: nil, count: blocks.count)
            for _ in 0..<entries {
                let rule = try r.u32()
                if rule & patternStepsFlag != 0 {
                    let k = Int(rule & ~patternStepsFlag)
                    guard k < blocks.count, blockOutputs[k] == nil else { throw WireReader.Truncated() }
                    if interner == nil {
                        let paths = blocks.reduce(0) { $0 + $1.stepCount * ($1.inputs.count + $1.outputs.count) }
                        interner = PathInterner(strings: &g.strings, expected: paths)
                    }
                    blockOutputs[k] = g.expand(blocks[k], interner: &interner!)
                    continue
                }
                guard rule < ruleCount else { throw WireReader.Truncated() }
                g.stepRule.append(rule)
                let p = try r.ids(into: &g.parameterIDs, limit: stringCount)
                g.parameterStart.append(g.parameterStart.last! + UInt32(p))
                // An input may stand for every output of a pattern block expanded above.
                let listed = Int(try r.u32())
                guard listed <= (bytes.count - r.offset) / 4 else { throw WireReader.Truncated() }
                var i = 0
                for _ in 0..<listed {
                    let id = try r.u32()
                    if id < stringCount {
                        g.inputIDs.append(id)
                        i += 1
                    } else if id >= patternOutputsReference, Int(id - patternOutputsReference) < blocks.count,
                              let range = blockOutputs[Int(id - patternOutputsReference)] {
                        g.inputIDs.append(contentsOf: g.outputIDs[range])
                        i += range.count
                    } else {
                        throw WireReader.Truncated()
                    }
                }
                g.inputStart.append(g.inputStart.last! + UInt32(i))
                let o = try r.ids(into: &g.outputIDs, limit: stringCount)
                g.outputStart.append(g.outputStart.last! + UInt32(o))
                let recipe = try r.u32()
                guard recipe < stringCount else { throw WireReader.Truncated() }
                g.recipeIDs.append(recipe)
                let tools = try r.u32()
                guard tools <= i else { throw WireReader.Truncated() }
                g.toolCounts.append(tools)
            }
            if r.offset < bytes.count {
                let rootCount = Int(try r.u32())
                guard rootCount <= 10_000 else { throw WireReader.Truncated() }
                for _ in 0..<rootCount {
                    let name = try string(try r.u32())
                    let line = try r.int()
                    let count = Int(try r.u32())
                    guard count <= 1_000 else { throw WireReader.Truncated() }
                    g.roots.append(RootDescription(name: name, locations: try (0..<count).map { _ in try string(try r.u32()) }, line: line))
                }
            }
            if hasPresenceOnly {
                var ids: [UInt32] = []
                _ = try r.ids(into: &ids, limit: stringCount)
                g.presenceOnly = try ids.map(string)
            }
            if hasPurgeAges {
                let count = Int(try r.u32())
                guard count <= g.roots.count else { throw WireReader.Truncated() }
                for _ in 0..<count {
                    let name = try string(try r.u32()), days = try r.int()
                    if let i = g.roots.firstIndex(where: { $0.name == name }) { g.roots[i].purgedAfterDays = days }
                }
            }
        } catch is WireReader.Truncated {
            throw GraphFormatError(description: "graph file is truncated or corrupt")
        }
        return g
    }
}

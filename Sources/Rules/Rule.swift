/// A rule: a recipe instantiated over a grid of parameters, one step per combination.
///
///     Rule("LP", over: ["model": models, "r": 0..<10]) { s in
///         s.inputs = ["sims/\(s.model)/snap.h5"]
///         s.outputs = (0..<40).map { "LP/\(s.model)/r\(s.r)/plane\($0).dat" }
///         s.recipe = "make_planes {inputs} {outputs}"
///     }
///     .resources(cpus: 16, memory: "64G", time: "6:00:00")
///     .staleness(.hash)
public final class Rule {
    var description: RuleDescription
    let grid: [(name: String, values: [String])]
    let body: (Step) -> Void
    let declaration: Declaration
    /// Set when the rule was declared with path patterns instead of a closure (PatternRule.swift).
    let patterns: RulePatterns?

    @discardableResult
    public convenience init(_ name: String, over grid: KeyValuePairs<String, any ParameterValues> = [:],
                            file: String = #filePath, line: Int = #line, _ body: @escaping (Step) -> Void) {
        self.init(name, grid: grid.map { ($0.key, $0.value.parameterValues) }, file: file, line: line, patterns: nil, body)
    }

    init(_ name: String, grid: [(name: String, values: [String])], file: String, line: Int,
         patterns: RulePatterns?, _ body: @escaping (Step) -> Void) {
        declaration = Declaration(file: file, line: line)
        description = RuleDescription(name: name, line: line, parameterNames: grid.map(\.name))
        self.grid = grid
        self.patterns = patterns
        self.body = body
        DatafileBuilder.shared.declare(self)
    }

    /// What each step needs. Memory like "4G", time like "6:00:00" or "90m"; the SLURM fields are
    /// passed to sbatch as they are.
    @discardableResult
    public func resources(cpus: Int? = nil, memory: String? = nil, time: String? = nil,
                          nodes: Int? = nil, tasksPerNode: Int? = nil, partition: String? = nil,
                          account: String? = nil, qos: String? = nil, constraint: String? = nil,
                          extra: [String]? = nil, line: Int = #line) -> Rule {
        let here = Declaration(file: declaration.file, line: line)
        func count(_ value: Int?, _ what: String, max: Int) -> Int? {
            guard let value else { return nil }
            guard value >= 1, value <= max else {
                here.fail("rule \(description.name): \(what) = \(value) is out of range; use a whole number from 1 to \(max)")
            }
            return value
        }
        var r = description.resources
        r.cpus = count(cpus, "cpus", max: 100_000) ?? r.cpus
        r.nodes = count(nodes, "nodes", max: 100_000) ?? r.nodes
        r.tasksPerNode = count(tasksPerNode, "tasksPerNode", max: 100_000) ?? r.tasksPerNode
        do {
            if let memory { r.memoryMB = try parseMemory(memory) }
            if let time { r.timeSeconds = try parseTime(time) }
        } catch {
            here.fail("rule \(description.name): \(error)")
        }
        r.partition = partition ?? r.partition
        r.account = account ?? r.account
        r.qos = qos ?? r.qos
        r.constraint = constraint ?? r.constraint
        r.extraFlags = extra ?? r.extraFlags
        description.resources = r
        return self
    }

    /// How this rule judges that an input changed: `.mtime` (default) or `.hash`.
    @discardableResult
    public func staleness(_ policy: Staleness) -> Rule {
        description.staleness = policy
        return self
    }

    /// `dbuild verify` also requires every output of this rule to have at least this many bytes.
    @discardableResult
    public func expect(minBytes: Int) -> Rule {
        description.minimumOutputBytes = max(0, minBytes)
        return self
    }

    /// Keep a failed step's outputs (for recipes that checkpoint into their outputs and resume).
    @discardableResult
    public func keepOutputsOnFailure() -> Rule {
        description.keepsOutputsOnFailure = true
        return self
    }

    /// The recipe writes its products where they are instead of into a staging folder: for recipes
    /// that update an output in place, or write files under names they are never given. A failed,
    /// stopped or killed attempt then costs the products it had begun to rewrite (what it touched is
    /// removed), as with make. dbuild also decides this itself from the recipe's text (`-n -v` says so).
    @discardableResult
    public func writesInPlace() -> Rule {
        description.writesInPlace = true
        return self
    }

    /// Intermediates: the outputs are removed once every step that reads them has succeeded, and
    /// remembered as removed on purpose — the next build remakes them only when a step that reads
    /// them must run (whose early cutoff then uses their recorded hashes). `--keep-temporary` keeps
    /// them for one build.
    @discardableResult
    public func temporary() -> Rule {
        description.isTemporary = true
        return self
    }

    /// A finished product that must not be made again by accident (a published catalogue): after
    /// success its outputs are made read-only, and a build whose plan would run this rule's steps
    /// again is refused before anything runs (exit 2, naming them and why) unless it is given
    /// `--rebuild-protected`.
    @discardableResult
    public func protected() -> Rule {
        description.isProtected = true
        return self
    }

    /// The recipe resumes from what an earlier attempt left (a checkpointing simulation on a queue
    /// that preempts it): a failed, stopped, timed-out or killed attempt's files are kept (never
    /// trusted as products), and each run is told its attempt number and why the last one ended, in
    /// `DBUILD_ATTEMPT` (1, 2, …) and `DBUILD_PREVIOUS_EXIT` (empty on the first attempt).
    @discardableResult
    public func checkpointing() -> Rule {
        description.keepsOutputsOnFailure = true
        description.checkpointing = true
        return self
    }
}

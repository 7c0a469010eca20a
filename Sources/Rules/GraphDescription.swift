/// One rule as the Datafile declared it: its parameters, resources, staleness policy and expectations.
public struct RuleDescription: Equatable, Sendable {
    public var name: String
    public var line: Int                 // line in the Datafile, for messages
    public var parameterNames: [String]
    public var staleness: Staleness = .mtime
    public var resources = Resources()
    public var minimumOutputBytes: Int = 0
    public var keepsOutputsOnFailure = false
    public var checkpointing = false
    /// `.writesInPlace()`: the recipe writes its products where they are, never staged.
    public var writesInPlace = false
    /// `.protected()`: its products are made read-only, and a plan that would run it again is refused
    /// unless `--rebuild-protected` is given.
    public var isProtected = false
    /// `.temporary()`: its outputs are removed once every step that reads them has succeeded.
    public var isTemporary = false
    public var batch = BatchOptions()
    public var hdf5Checks: [HDF5Check] = []
    public var countGoal: CountGoal?
    /// For folder products: `expect(minFiles:)` and `expect(contains:)`.
    public var folderExpectation = FolderExpectation()

    public init(name: String, line: Int, parameterNames: [String]) {
        self.name = name
        self.line = line
        self.parameterNames = parameterNames
    }
}

/// The whole evaluated Datafile: rules and their steps, stored flat (one array per field, strings
/// interned) so that a million steps cost tens of megabytes and decode in well under a second.
public struct GraphDescription: Sendable {
    /// The backend `dbuild all` uses when none is named on the command line ("local" or "slurm").
    public var defaultBackend = "local"
    /// A shell command run when a build or a SLURM submission of this project ends (`onFinish`).
    public var onFinish: String?
    /// Named roots products may live under (`@name/…` paths).
    public var roots: [RootDescription] = []
    /// Inputs judged by presence only (`existing(path)`): their mtime and content never make a step stale.
    public var presenceOnly: [String] = []
    public var strings: [String] = []
    public var rules: [RuleDescription] = []
    /// Per step: its rule's index.
    public var stepRule: [UInt32] = []
    /// Per step, `rules[stepRule[i]].parameterNames.count` string ids, concatenated.
    public var parameterIDs: [UInt32] = []
    public var parameterStart: [UInt32] = [0]
    /// Inputs of step i are `inputIDs[inputStart[i] ..< inputStart[i + 1]]`; outputs likewise.
    public var inputIDs: [UInt32] = []
    public var inputStart: [UInt32] = [0]
    public var outputIDs: [UInt32] = []
    public var outputStart: [UInt32] = [0]
    public var recipeIDs: [UInt32] = []
    /// Per step: how many of its inputs, at the end of the list, are tools (scripts the recipe runs):
    /// inputs for staleness, left out of `{inputs}`.
    public var toolCounts: [UInt32] = []
    /// Rules whose steps travel as patterns over their grid (the evaluator's side only: `decode`
    /// expands them, so dbuild never sees one).
    var patternBlocks: [PatternBlock] = []

    public init() {}

    public var stepCount: Int { stepRule.count }

    public func parameters(ofStep step: Int) -> ArraySlice<UInt32> {
        parameterIDs[Int(parameterStart[step])..<Int(parameterStart[step + 1])]
    }
    public func inputs(ofStep step: Int) -> ArraySlice<UInt32> {
        inputIDs[Int(inputStart[step])..<Int(inputStart[step + 1])]
    }
    public func outputs(ofStep step: Int) -> ArraySlice<UInt32> {
        outputIDs[Int(outputStart[step])..<Int(outputStart[step + 1])]
    }

    /// The step's path-like name: its rule, then its parameter values (`LP/model7/r3`).
    public func name(ofStep step: Int) -> String {
        var name = rules[Int(stepRule[step])].name
        for id in parameters(ofStep: step) {
            name += "/"
            name += strings[Int(id)]
        }
        return name
    }
}

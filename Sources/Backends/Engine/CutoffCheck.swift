import Targets

/// Early cutoff decided where a step runs (an array task): the step runs only if what it reads
/// came out changed since its last build. Carried in a submission's manifest; checked with the
/// same rule as a local build (content hashes for a hash rule, mtimes for an mtime rule).
public struct CutoffCheck: Codable, Equatable, Sendable {
    /// The inputs' content hashes when the step was last built (hash rules); nil: judge by mtime.
    public var inputHashes: [UInt64]?

    public init(inputHashes: [UInt64]?) { self.inputHashes = inputHashes }

    /// Why the step must run after all, or nil when what it reads is unchanged and its outputs are
    /// present and sound.
    public func reasonToRun(inputs: [String], outputs: [String], check: ProductCheck, in fileSystem: FileSystem) -> String? {
        var oldestOutput = Int64.max
        for output in outputs {
            if let problem = check.problem(of: output, in: fileSystem) { return "output \(output): \(problem.text)" }
            oldestOutput = min(oldestOutput, fileSystem.status(output)?.mtimeNanos ?? 0)
        }
        if let hashes = inputHashes {
            guard hashes.count == inputs.count else { return "its inputs changed" }
            for (input, hash) in zip(inputs, hashes) where fileSystem.contentHash(input) != hash {
                return "input changed: \(input)"
            }
            return nil
        }
        for input in inputs where (fileSystem.status(input)?.mtimeNanos ?? .max) > oldestOutput {
            return "input newer: \(input)"
        }
        return nil
    }
}

import Targets

extension Project {
    /// `dbuild clean`: removes these products and forgets these steps' records (the next build makes
    /// them again), under the project's lock.
    public func remove(_ files: [String], forgetting steps: [String]) throws {
        try lock()
        let state = try openState(readOnly: false)
        files.forEach(fileSystem.removeFile)
        try state.forget(steps)
    }
}

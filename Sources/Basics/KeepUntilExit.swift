/// Objects that live until the process ends. Freeing a million-step graph and its records one
/// allocation at a time cost a no-op several percent of its run; the kernel takes the memory back
/// at exit in one go (compilers skip freeing at exit for the same reason).
nonisolated(unsafe) private var keptUntilExit: [AnyObject] = []

public func keepUntilExit(_ objects: AnyObject...) {
    keptUntilExit.append(contentsOf: objects)
}

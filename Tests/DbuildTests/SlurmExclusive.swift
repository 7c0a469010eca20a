import Foundation

/// The local SLURM is shared by every suite running in parallel. A few tests disturb every job on it
/// (preemption by the urgent partition, a controller restart, a reconfigured cluster), and a few
/// assert a task's exact history (ran once, killed here, requeued there). Both kinds hold this lock
/// for their whole run, so a preemption meant for one test never rewrites another's history.
/// flock locks belong to the open file, so two tests in one process exclude each other.
struct SlurmExclusive {
    private let descriptor: Int32

    init() {
        descriptor = open(NSTemporaryDirectory() + "/dbuild-tests-slurm-exclusive.lock", O_CREAT | O_RDWR, 0o666)
        if descriptor >= 0 { _ = flock(descriptor, LOCK_EX) }
    }

    func release() {
        guard descriptor >= 0 else { return }
        _ = flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}

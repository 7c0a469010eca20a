import Foundation

/// The one way dbuild stops processes: every child runs in a process group of its own (see
/// `ChildProcess.spawn`), so a recipe and everything it started are stopped together — first asked
/// (SIGTERM, so a program may clean up), then, after a grace period, killed (SIGKILL).
public enum ProcessGroup {
    /// Seconds between SIGTERM and SIGKILL unless a caller has a reason for another.
    public static let defaultGrace: Double = 5

    /// SIGTERM to each group, SIGKILL to what is left after `grace` seconds. Without `gone`, returns
    /// at once (the SIGKILL comes from a thread of its own; whoever waits for the processes learns how
    /// they ended). With it, returns once `gone()` holds, or 5 s after the SIGKILL (an unreaped
    /// zombie still answers). `extraPIDs`: processes signalled one by one as well (ones that left
    /// their group).
    public static func terminate(_ groups: [pid_t], grace: Double = defaultGrace, extraPIDs: [pid_t] = [],
                                 until gone: (() -> Bool)? = nil) {
        let groups = groups.filter { $0 > 1 }
        @Sendable func signal(_ number: Int32) {
            for group in groups { kill(-group, number) }
            for pid in extraPIDs where pid > 1 { kill(pid, number) }
        }
        signal(SIGTERM)
        guard let gone else {
            DispatchQueue.global().asyncAfter(deadline: .now() + grace) { signal(SIGKILL) }
            return
        }
        let killAt = Date().addingTimeInterval(grace), giveUpAt = killAt.addingTimeInterval(5)
        var killed = false
        while Date() < giveUpAt && !gone() {
            if !killed && Date() >= killAt {
                signal(SIGKILL)
                killed = true
            }
            usleep(20_000)
        }
    }
}

extension ChildProcess {
    /// Waits for the child until `deadline`: how it ended, or nil if it still runs then (not reaped).
    /// Polls from 1 ms up to 50 ms, so a quick child is seen at once and a slow one costs little.
    public static func wait(_ pid: pid_t, until deadline: Date) -> ChildExit? {
        var pause: useconds_t = 1_000
        while true {
            var status: Int32 = 0
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid {
                let signal = status & 0x7f
                return signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
            }
            if reaped < 0 && errno != EINTR { return .exited(127) }          // not ours to know
            if Date() >= deadline { return nil }
            usleep(pause)
            pause = min(pause * 2, 50_000)
        }
    }

    /// Runs to its end within `seconds`, else stops its group (`ProcessGroup.terminate`) and
    /// returns nil once it is reaped.
    public static func wait(_ pid: pid_t, atMost seconds: Double, grace: Double = ProcessGroup.defaultGrace) -> ChildExit? {
        if let exit = wait(pid, until: Date().addingTimeInterval(seconds)) { return exit }
        var ended: ChildExit?
        ProcessGroup.terminate([pid], grace: grace) {
            ended = wait(pid, until: Date())
            return ended != nil
        }
        if ended == nil { _ = wait(pid) }
        return nil
    }
}

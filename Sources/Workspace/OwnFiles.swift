import Foundation
import Basics

/// How many files and folders dbuild itself keeps in a project (its inode budget): the state and
/// caches in `.dbuild`, SLURM submission folders, and `logs` (plain logs of failed or running
/// steps, packs of the others). Shown by `dbuild status`; parallel filesystems count these.
public struct OwnFiles: Equatable {
    public var state = 0
    public var submissions = 0
    public var logs = 0
    public var total: Int { state + submissions + logs }

    public static func count(root: String, dotDbuild: String) -> OwnFiles {
        var own = OwnFiles()
        own.submissions = entries(under: dotDbuild + "/slurm")
        own.state = entries(under: dotDbuild) - own.submissions
        own.logs = entries(under: root + "/logs")
        return own
    }

    /// Every file and folder below `folder` (the folder itself included when it exists).
    public static func entries(under folder: String) -> Int {
        // (Foundation on Linux hands out an enumerator for a folder that does not exist.)
        guard FileManager.default.fileExists(atPath: folder), let walk = FileManager.default.enumerator(atPath: folder) else { return 0 }
        var count = 1
        while walk.nextObject() != nil { count += 1 }
        return count
    }

    public var text: String {
        "dbuild's own files: \(total) (state and caches \(state)" + (submissions > 0 ? ", SLURM submissions \(submissions)" : "")
            + ", logs \(logs)); "
            + "`dbuild log STEP` prints a step's log, `dbuild state gc` removes settled submissions"
    }
}

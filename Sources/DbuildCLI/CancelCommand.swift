import ArgumentParser
import Workspace

/// `dbuild cancel [prefix]`: cancels this project's queued and running SLURM tasks for the selection.
struct CancelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel this project's SLURM jobs.")

    @OptionGroup var project: ProjectOptions
    @Argument(help: "Step names or prefixes (default: all of this project's jobs).") var targets: [String] = []

    func run() throws {
        let result = try Cancellation.run(try Project(options: self.project), targets: targets)
        if !result.chainJobs.isEmpty {
            let jobs = result.chainJobs, left = result.stepsLeftByTheChain
            print("Stopped the wave chain (job\(jobs.count == 1 ? "" : "s") \(jobs.joined(separator: ", "))): the \(left) step\(left == 1 ? "" : "s") "
                  + "left for later waves are not submitted; dbuild all --backend slurm submits them")
        }
        guard result.steps > 0 else {
            if result.stepsLeftByTheChain == 0 {
                print("Nothing to cancel: no selected step is queued or running.")
            }
            return
        }
        print("Cancelled \(result.steps) step\(result.steps == 1 ? "" : "s") (\(result.arrayTasks) array task\(result.arrayTasks == 1 ? "" : "s")).")
    }
}

import Foundation
import Testing
@testable import Backends

/// Parsers against outputs captured from the real SLURM 22.05 on this machine (Fixtures/slurm).
private func fixture(_ name: String) throws -> String {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/slurm/\(name)")
    return try String(contentsOf: url, encoding: .utf8)
}

@Suite struct SchedulerParsingTests {
    @Test func squeueUnfoldsPendingArrayRanges() throws {
        let tasks = SchedulerQueue.parseSqueue(try fixture("squeue.txt"))
        let pending63 = tasks.filter { $0.jobID == "63" && $0.state == "PENDING" }.compactMap(\.task)
        #expect(pending63 == Array(4...11))
        #expect(tasks.filter { $0.jobID == "63" && $0.state == "RUNNING" }.compactMap(\.task) == [0, 1, 2, 3])
        let dependent = tasks.filter { $0.jobID == "65" }
        #expect(dependent.map(\.task) == [0, 1])
        #expect(dependent.allSatisfy { $0.reason == "Dependency" && $0.isLive })
        #expect(tasks.contains(TaskStatus(jobID: "66", task: nil, state: "RUNNING", reason: "None")))
        #expect(tasks.count == 8 + 2 + 4 + 1)
    }

    @Test func scontrolGivesEachTasksFinalStateAndExitCode() throws {
        let tasks = SchedulerQueue.parseScontrolJobs(try fixture("scontrol-failed-array.txt"))
        let byTask = Dictionary(uniqueKeysWithValues: tasks.map { ($0.task!, $0) })
        #expect(byTask[1]?.state == "FAILED")
        #expect(byTask[1]?.exitCode == "3:0")
        #expect(byTask[1]?.reason == "NonZeroExitCode")
        #expect(byTask[0]?.state == "COMPLETED" && byTask[2]?.state == "COMPLETED")
        #expect(tasks.allSatisfy { $0.jobID == "2" && !$0.isLive })
    }

    @Test func dependentOfAFailedArrayIsCancelledAsAFoldedRange() throws {
        let tasks = SchedulerQueue.parseScontrolJobs(try fixture("scontrol-cancelled-dependent.txt"))
        #expect(tasks.map(\.task) == [0, 1])
        #expect(tasks.allSatisfy { $0.state == "CANCELLED" && $0.reason == "DependencyNeverSatisfied" })
    }

    @Test func timeoutIsReportedAsSuch() throws {
        let tasks = SchedulerQueue.parseScontrolJobs(try fixture("scontrol-timeout.txt"))
        #expect(tasks == [TaskStatus(jobID: "4", task: nil, state: "TIMEOUT", reason: "TimeLimit", exitCode: "0:15")])
    }

    @Test func limitsComeFromTheConfiguration() throws {
        let limits = SlurmLimits.parse(showConfig: try fixture("scontrol-show-config.txt"))
        #expect(limits.maxArraySize == 1001 && limits.maxJobCount == 10_000 && !limits.hasAccounting)
        #expect(limits.sources["MaxArraySize"] == "scontrol show config")
        let small = SlurmLimits.parse(showConfig: "MaxArraySize = 11\nMaxJobCount = 40\nAccountingStorageType = accounting_storage/slurmdbd\n")
        #expect(small.maxArraySize == 11 && small.maxJobCount == 40 && small.hasAccounting)
        #expect(SlurmLimits.parse(showConfig: "") == SlurmLimits())
    }

    @Test(arguments: [("0-3,5,7-9%2", [0, 1, 2, 3, 5, 7, 8, 9]), ("[4-11%4]", Array(4...11)), ("12", [12]), ("", [])])
    func taskRanges(text: String, tasks: [Int]) {
        #expect(SchedulerQueue.expandTaskRange(text) == tasks)
    }

    @Test func sbatchParsableOutput() {
        #expect(SchedulerQueue.parseSubmittedJobID("1234\n") == "1234")
        #expect(SchedulerQueue.parseSubmittedJobID("1234;cluster\n") == "1234")
        #expect(SchedulerQueue.parseSubmittedJobID("sbatch: error: Batch job submission failed") == nil)
    }
}

import Foundation
import Testing
import Backends

/// SLURM's identities as dbuild types them: the comment written and parsed in one place, array task
/// ids, states compared by name and stored as SLURM wrote them.
@Suite struct SlurmIDsTests {
    @Test func commentsRoundTripAndForeignCommentsAreNotOurs() {
        for comment in [JobComment.array(submission: "20261207-211923-11269", index: 3), .nextWave(submission: "s1"),
                        .onFinish(submission: "s1")] {
            #expect(JobComment(parsing: comment.text) == comment)
        }
        #expect(JobComment.array(submission: "s1", index: 0).text == "dbuild:s1:0")
        #expect(JobComment(parsing: "dbuild:s1:next-wave") == .nextWave(submission: "s1"))
        for foreign in ["", "my job", "dbuild:", "dbuild::3", "dbuild:s1:x", "other:s1:3", "dbuild:s1:3:4"] {
            #expect(JobComment(parsing: foreign) == nil, "\(foreign)")
        }
    }

    @Test func arrayTaskIDsPrintAsSlurmTakesThem() {
        #expect(ArrayTaskID(job: "1234", task: 5).description == "1234_5")
        #expect(ArrayTaskID(job: "1234", task: nil).description == "1234")
        #expect(TaskStatus(jobID: "7", task: 0, state: .running).id == ArrayTaskID(job: "7", task: 0))
    }

    @Test func statesKeepSlurmsWordsAndClassifyThem() throws {
        #expect(SlurmState.completing.isRunning && SlurmState.running.isRunning && !SlurmState.pending.isRunning)
        #expect(SlurmState(rawValue: "REQUEUED").isLive && !SlurmState.completed.isLive)
        #expect(SlurmState.nodeFail.wasPreempted && !SlurmState.timeout.wasPreempted)
        // Stored as the plain word (the shared squeue answer in .dbuild/squeue.json keeps its form).
        let status = TaskStatus(jobID: "7", task: 1, state: SlurmState(rawValue: "STAGE_OUT"))
        let json = String(decoding: try JSONEncoder().encode(status), as: UTF8.self)
        #expect(json.contains("\"state\":\"STAGE_OUT\""), "\(json)")
        #expect(try JSONDecoder().decode(TaskStatus.self, from: Data(json.utf8)) == status)
    }
}

import Foundation
import Targets

/// `dbuild status` when the Datafile cannot be evaluated (an edit half-done while a submission
/// runs): what the state knows — per rule (a step's name up to its first "/"), the steps recorded
/// as built, failed, and still out on SLURM with their job ids — with no judgement of staleness,
/// which needs the Datafile. The Datafile's error comes first, as a warning.
public enum StateOnlyStatus {
    public static func take(datafile: String, error: DbuildFailure) throws -> (report: StatusReport, text: String) {
        let dotDbuild = (datafile as NSString).deletingLastPathComponent + "/.dbuild"
        var text = "dbuild: warning: the Datafile cannot be evaluated, so this is what the state knows (nothing judged stale):\n"
            + error.description.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n\n"
        var report = StatusReport()
        guard FileManager.default.fileExists(atPath: dotDbuild + "/state.db") else {
            return (report, text + "Nothing recorded yet.\n")
        }
        let state = try Project.openState(dotDbuild: dotDbuild, readOnly: true)
        let out = try state.loadSubmittedSteps()
        let failures = try state.loadFailures()
        var rows: [String: StatusReport.Rule] = [:]
        func rule(of name: String) -> String { String(name.split(separator: "/", maxSplits: 1).first ?? Substring(name)) }
        for name in try state.loadRecords().keys where failures[name] == nil { rows[rule(of: name), default: .init(rule: rule(of: name))].built += 1 }
        for name in failures.keys { rows[rule(of: name), default: .init(rule: rule(of: name))].failed += 1 }
        for step in out { rows[rule(of: step.name), default: .init(rule: rule(of: step.name))].queued += 1 }
        for submission in Set(out.map(\.submission)) {
            for array in try state.loadSubmittedArrays(submission: submission) {
                rows[array.rule, default: .init(rule: array.rule)].jobs.append(array.jobID)
            }
        }
        report.rules = rows.keys.sorted().map { key in
            var row = rows[key]!
            row.steps = row.built + row.failed + row.queued
            row.jobs.sort()
            return row
        }
        let width = max(4, report.rules.map(\.rule.count).max() ?? 0)
        func pad(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }
        text += "rule".padding(toLength: width, withPad: " ", startingAt: 0) + "   built  failed  on SLURM  jobs\n"
        for row in report.rules {
            text += row.rule.padding(toLength: width, withPad: " ", startingAt: 0) + pad("\(row.built)", 8) + pad("\(row.failed)", 8)
                + pad("\(row.queued)", 10) + "  " + row.jobs.joined(separator: ",") + "\n"
        }
        if !out.isEmpty {
            text += "\n\(out.count) step\(out.count == 1 ? " is" : "s are") out on SLURM (queued or running): they run on; "
                + "fix the Datafile for the full status\n"
        }
        return (report, text)
    }
}

import Foundation
import Testing
import Targets

/// Issue 12: each step's run records its wall time and peak memory; the SLURM dry run shows what a
/// rule asks against what it used, and a rule with `.slurm(fitResources: true)` asks for that.
@Suite struct RequestsFromHistoryTests {
    static let datafile = """
        import Rules
        Rule("M", over: ["i": 0..<5]) { s in
            s.outputs = ["m/\\(s.i).txt"]
            s.recipe = "dd if=/dev/zero of=/dev/null bs=48M count=1 2>/dev/null; echo {i} > {output}"
        }
        .resources(memory: "8G", time: "2h")
        .slurm(fitResources: true)
        """

    @Test func aLocalBuildRecordsPeakMemoryAndTheSlurmPlanAsksForIt() throws {
        let s = try Scenario("empty")
        try s.write("Datafile", Self.datafile)
        let build = try s.dbuild("all", "-q")
        #expect(build.status == 0, "\(build.stdout)\(build.stderr)")
        try s.write("Datafile", Self.datafile.replacingOccurrences(of: "> {output}\"", with: "> {output}; true\""))
        let dry = try s.dbuild("all", "--backend", "slurm", "-n")
        #expect(dry.status == 0, "\(dry.stdout)\(dry.stderr)")
        let line = try #require(dry.stdout.split(separator: "\n").first { $0.contains("M: declared mem 8192M, time 02:00:00; used (p95 of 5 runs) ") },
                                "\(dry.stdout)")
        let used = Int(line.components(separatedBy: "used (p95 of 5 runs) ")[1].prefix { $0.isNumber }) ?? 0
        #expect(used >= 48 && used < 200, "dd's 48 MB buffer: \(line)")
        #expect(line.contains("(fitted)"), "\(line)")
        let script = try #require(s.read(".dbuild/slurm/dry-run/array-0-M.sbatch"))
        let mem = Int(script.components(separatedBy: "--mem=").dropFirst().first?.prefix { $0.isNumber } ?? "") ?? 0
        #expect(mem >= used && mem <= 256, "asks the 95th percentile plus a margin, not 8 GB: \(script)")
        #expect(script.contains("--time=00:01:00"), "a minute, not 2 hours: \(script)")
    }
}

import Foundation
import Testing
import TestSupport

/// Issue 13 on the real SLURM: a graph that grows as its steps make data (a split step writes the
/// chunk list the Datafile reads) is submitted as far as it is known, and a continuation job
/// evaluates the Datafile again once the split has run and submits the rest — nobody waits.
extension SlurmScenarioTests {
    static let growingDatafile = """
        import Rules
        // split writes one chunk per 2 catalog rows and the list of chunks; one fit per chunk; a summary.
        let chunks = lines(of: "chunks.txt", whenMissing: [])
        Rule("split") { s in
            s.inputs = ["catalog.txt"]
            s.outputs = ["chunks.txt"]
            s.recipe = "echo {name} >> starts.log; if grep -q BAD {input}; then exit 3; fi; mkdir -p chunks; split -l 2 -d {input} chunks/c; ls chunks > {output}"
        }
        Rule("fit", over: ["chunk": chunks]) { s in
            s.inputs = ["chunks/\\(s.chunk)"]
            s.outputs = ["fits/\\(s.chunk).txt"]
            s.recipe = "echo {name} >> starts.log; wc -l < {input} > {output}"
        }
        .staleness(.hash)
        Rule("summary") { s in
            s.inputs = s.outputs(of: "fit")
            s.outputs = ["summary.txt"]
            s.recipe = "echo {name} >> starts.log; cat {inputs} > {output}"
        }
        .staleness(.hash)
        """

    /// Waits until no job of the project is in the queue (the chain has ended) and `ready` holds.
    static func waitForChain(_ s: Scenario, seconds: Double = 180, until ready: () -> Bool) {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let queue = (try? runTool("/bin/sh", ["-c", "squeue -h -o '%k'"]).output) ?? ""
            let ours = Self.submissions(s).contains { queue.contains($0) }
            if !ours && ready() { return }
            sleep(2)                                              // one squeue every 2 s: the queue is shared
        }
    }

    static func runs(_ s: Scenario) -> [String] {
        (s.read("starts.log") ?? "").split(separator: "\n").map(String.init)
    }

    @Test func aGraphThatGrowsIsCarriedToItsEndOnSlurmWithNobodyWaiting() throws {
        let s = try Scenario("empty")
        try s.write("catalog.txt", "a\nb\nc\nd\ne\nf\n")
        try s.write("Datafile", Self.growingDatafile)
        let dry = try s.dbuild("all", "--backend", "slurm", "-n")
        #expect(dry.stdout.contains("not known yet: the Datafile reads chunks.txt, which split makes"), "\(dry.stdout)")
        #expect(dry.stdout.contains("SLURM plan: 1 step"), "only what the Datafile reads goes first: \(dry.stdout)")

        let submit = try s.dbuild("all", "--backend", "slurm")
        #expect(submit.status == 0, "\(submit.stdout)\(submit.stderr)")
        #expect(submit.stdout.contains("a continuation job evaluates the Datafile again"), "\(submit.stdout)")
        Self.waitForChain(s) { s.exists("summary.txt") }
        let logs = Self.submissions(s).map { s.read(".dbuild/slurm/\($0)/next-wave.out") ?? "" }.joined(separator: "\n")
        #expect(s.read("summary.txt")?.replacingOccurrences(of: " ", with: "") == "2\n2\n2\n", "the grown graph ran to its end: \(logs)")
        let submitted = Self.submittedSteps(s)
        #expect(submitted.count == 2, "split, then the rest: \(submitted)")
        #expect(submitted.values.flatMap { $0 }.sorted() == ["fit/c00", "fit/c01", "fit/c02", "split", "summary"], "\(submitted)")
        #expect(Self.runs(s).sorted() == ["fit/c00", "fit/c01", "fit/c02", "split", "summary"], "each step ran once, summary over every chunk")
        Waiting.untilSettled(s)                                   // the last results ingested
        #expect(try s.dbuild("all", "--backend", "slurm").stdout.contains("nothing to submit"))
        #expect(try s.dbuild("verify").status == 0)

        // From the built campaign: a row added re-splits and fits only the new chunk; the others' products stay untouched.
        let built = try Self.campaignFiles(s)
        try s.write("catalog.txt", "a\nb\nc\nd\ne\nf\ng\n")
        try s.write("starts.log", "")
        #expect(try s.dbuild("all", "--backend", "slurm").status == 0)
        Self.waitForChain(s) { s.exists("fits/c03.txt") }
        Waiting.untilSettled(s)
        #expect(Self.runs(s).sorted() == ["fit/c03", "split", "summary"], "only the new chunk's fit: \(Self.runs(s))")
        let after = try Self.campaignFiles(s)
        for path in ["fits/c00.txt", "fits/c01.txt", "fits/c02.txt"] { #expect(after[path] == built[path], "\(path) untouched") }
        #expect(s.read("summary.txt")?.replacingOccurrences(of: " ", with: "") == "2\n2\n2\n1\n")

        // A split that fails: the continuation submits nothing from the old list and retries nothing; every product survives.
        let before = try Self.campaignFiles(s)
        try s.write("catalog.txt", "a\nb\nc\nd\ne\nf\ng\nBAD\n")
        try s.write("starts.log", "")
        let failing = try s.dbuild("all", "--backend", "slurm")
        #expect(failing.status == 0, "\(failing.stdout)\(failing.stderr)")
        let count = Self.submissions(s).count
        Self.waitForChain(s) { Self.submissions(s).allSatisfy { (s.read(".dbuild/slurm/\($0)/next-wave") ?? "job").contains("job") } }
        Waiting.untilOffTheQueue(s)
        #expect(Self.runs(s) == ["split"], "split ran once and was not retried: \(Self.runs(s))")
        #expect(Self.submissions(s).count == count, "the continuation submitted nothing")
        let continuationLog = Self.submissions(s).map { s.read(".dbuild/slurm/\($0)/next-wave.out") ?? "" }.joined()
        #expect(continuationLog.contains("split did not succeed"), "\(continuationLog)")
        let kept = try Self.campaignFiles(s)
        for (path, fingerprint) in before where path != "catalog.txt" && path != "starts.log" {
            #expect(kept[path] == fingerprint, "\(path) survives, byte-identical with its mtime")
        }
        let status = try s.dbuild("status")
        #expect(status.stdout.contains("split"), "\(status.stdout)")
    }

    /// Every file of the campaign outside .dbuild, with its mtime and content.
    static func campaignFiles(_ s: Scenario) throws -> [String: String] {
        var result: [String: String] = [:]
        for name in try FileManager.default.subpathsOfDirectory(atPath: s.path) where !name.hasPrefix(".dbuild") && !name.hasPrefix("logs") {
            let full = s.path + "/" + name
            let attributes = try FileManager.default.attributesOfItem(atPath: full)
            guard attributes[.type] as? FileAttributeType == .typeRegular else { continue }
            let mtime = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            result[name] = "\(mtime) " + (FileManager.default.contents(atPath: full) ?? Data()).base64EncodedString()
        }
        return result
    }
}

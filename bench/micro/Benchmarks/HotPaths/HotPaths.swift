// The hot paths of a no-op and a dry run on the 40,000-step campaign of `bench/run gen`: the Datafile
// graph decode, the staleness scan (real files in a scratch folder), the plan, and the state store's
// record reads and writes. Whole-command figures against make, ninja and Snakemake are bench/run's.
import Benchmark
import Foundation
import Rules
import Targets

/// The campaign, declared as its Datafile does, expanded once.
let campaign: GraphDescription = {
    Rule("mock", over: ["r": 0..<2000, "s": 0..<20]) { s in
        s.outputs = ["catalogs/r\(s.r)/mock_s\(s.s).h5"]
        s.recipe = "touch {output}"
    }
    Rule("aggregate") { s in
        s.inputs = s.outputs(of: "mock")
        s.outputs = ["summary.txt"]
        s.recipe = "touch {output}"
    }
    return _currentDatafileGraph()
}()

/// A scratch project holding every product (made once, then reused by later runs).
let scratch: String = {
    let root = NSTemporaryDirectory() + "dbuild-micro-40k"
    let graph = try! Graph(campaign)
    if !FileManager.default.fileExists(atPath: root + "/summary.txt") {
        for step in 0..<graph.stepCount {
            for path in graph.outputs(of: step) {
                let full = root + "/" + path
                try! FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                         withIntermediateDirectories: true)
                FileManager.default.createFile(atPath: full, contents: nil)
            }
        }
    }
    return root
}()

/// Records as a finished build leaves them.
func records(for graph: Graph, in fileSystem: DiskFileSystem) -> [(name: String, record: StepRecord)] {
    let hashes = ContentHashes(fileSystem: fileSystem, cache: [:])
    return (0..<graph.stepCount).map { step in
        (graph.name(step), StalenessScanner.record(of: step, in: graph, hashes: hashes, duration: 0.01, finishedAt: 0))
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident],
                                           maxDuration: .seconds(5), maxIterations: 50)
    let bytes = campaign.encoded()

    Benchmark("graph decode (40,001 steps)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try GraphDescription.decode(bytes)) }
    }

    Benchmark("graph construction (producers, edges, order)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try Graph(campaign)) }
    }

    Benchmark("staleness scan, no-op (40,001 stats and record checks)") { benchmark in
        let graph = try Graph(campaign)
        let fileSystem = DiskFileSystem(root: scratch)
        let recorded = Dictionary(uniqueKeysWithValues: records(for: graph, in: fileSystem).map { ($0.name, $0.record) })
        let needed = [Bool](repeating: true, count: graph.stepCount)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let scanner = StalenessScanner(graph: graph, statuses: FileStatusCache(graph: graph, fileSystem: fileSystem),
                                           hashes: ContentHashes(fileSystem: fileSystem, cache: [:]),
                                           records: recorded, interrupted: [], forced: false)
            blackHole(try scanner.scan(needed: needed))
        }
    }

    Benchmark("plan of every step (dry run on an empty tree)") { benchmark in
        let graph = try Graph(campaign)
        let reasons = [StaleReason?](repeating: .forced, count: graph.stepCount)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(Plan(graph: graph, reasons: reasons)) }
    }

    Benchmark("state store: write 40,001 records (one transaction)") { benchmark in
        let graph = try Graph(campaign)
        let batch = records(for: graph, in: DiskFileSystem(root: scratch))
        let path = NSTemporaryDirectory() + "dbuild-micro-write.db"
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            unlink(path)
            let store = try StateStore(path: path)
            try store.recordSuccesses(batch)
        }
    }

    Benchmark("state store: read 40,001 records") { benchmark in
        let graph = try Graph(campaign)
        let path = NSTemporaryDirectory() + "dbuild-micro-read.db"
        unlink(path)
        try StateStore(path: path).recordSuccesses(records(for: graph, in: DiskFileSystem(root: scratch)))
        let store = try StateStore(path: path, readOnly: true)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try store.loadRecords()) }
    }
}

// swift-tools-version:6.1
// Micro-benchmarks of dbuild's hot paths (ordo-one/benchmark). A package of its own so that CI's
// build of dbuild never builds the benchmark framework. Run from this folder:
//   swift package benchmark            (or: swift package benchmark --target HotPaths)
import PackageDescription

let package = Package(
    name: "dbuild-micro",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "dbuild", path: "../.."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "HotPaths",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "DbuildEngine", package: "dbuild"),
            ],
            path: "Benchmarks/HotPaths",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)

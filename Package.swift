// swift-tools-version:6.0
import PackageDescription

// The graph, staleness and the Datafile's expansion run per step, 10^6–10^7 times: in release builds
// their class properties are not checked for exclusive access at run time (~6 % of a 10^6 dry run);
// debug builds and the tests keep the checks.
let hotLoops: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "dbuild",
    products: [
        .executable(name: "dbuild", targets: ["dbuild"]),
        .executable(name: "dsynth", targets: ["dsynth"]),
        // A Datafile links this static library; its module is what `import Rules` finds.
        .library(name: "RulesStatic", type: .static, targets: ["Rules"]),
        // Linked into a Datafile's evaluator too: records the files and variables evaluation reads.
        .library(name: "DatafileTraceStatic", type: .static, targets: ["DatafileTrace"]),
        // The engine as a library, for the micro-benchmarks in bench/micro (a package of its own).
        .library(name: "DbuildEngine", targets: ["Rules", "Targets"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CXXHash", pkgConfig: "libxxhash", providers: [.apt(["libxxhash-dev"])]),
        .systemLibrary(name: "CSpawn"),
        // The example pipeline's science (dsynth): HDF5, FFTW and MPI from Debian.
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CFFTW", pkgConfig: "fftw3", providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "CMPI", pkgConfig: "ompi", providers: [.apt(["libopenmpi-dev"])]),
        // Reading and writing HDF5 (dsynth's products; dbuild verify's content checks).
        .target(name: "HDF5Support", dependencies: ["CHDF5"]),
        .target(name: "Synth", dependencies: ["HDF5Support", "CFFTW"], exclude: ["README.md"]),
        .executableTarget(name: "dsynth", dependencies: [
            "Synth", "CMPI", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .target(name: "Rules", exclude: ["README.md"], swiftSettings: hotLoops),
        .target(name: "DatafileTrace", exclude: ["README.md"]),
        // dbuild's HDF5 checks: the library loaded with dlopen when first needed, never at start-up.
        .target(name: "HDF5Probe", exclude: ["README.md"]),
        // Process control (spawn, wait with a deadline, one way to stop a process group), reading,
        // atomic writing and copying files: what every layer above needs of the system.
        .target(name: "Basics", dependencies: ["CSpawn"], exclude: ["README.md"]),
        .target(name: "Targets", dependencies: ["Rules", "CSQLite", "CXXHash"], exclude: ["README.md"], swiftSettings: hotLoops),
        .target(name: "Backends", dependencies: ["Targets", "Basics"], exclude: ["README.md"]),
        // The project as a whole, between the engine and the command line: the Datafile loaded, the
        // lock, SLURM results ingested, roots and relocation, adoption, the on-finish run.
        .target(name: "Workspace", dependencies: ["Rules", "Targets", "Backends", "Basics", "HDF5Probe"], exclude: ["README.md"]),
        .target(name: "DbuildCLI", dependencies: [
            "Rules", "Targets", "Backends", "Basics", "Workspace",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], exclude: ["README.md"]),
        // Swift 5 mode only so that main.swift may touch C's `stdout` (line buffering).
        .executableTarget(name: "dbuild", dependencies: ["DbuildCLI"], swiftSettings: [.swiftLanguageMode(.v5)]),
        // Fakes for the engine tests: an in-memory file system with its own clock, a graph builder,
        // a backend that "runs" steps by writing their outputs.
        .target(name: "TestSupport", dependencies: ["Rules", "Targets", "Backends", "Basics"], path: "Tests/TestSupport"),
        .testTarget(name: "RulesTests", dependencies: ["Rules"]),
        .testTarget(name: "BasicsTests", dependencies: ["Basics"]),
        .testTarget(name: "WorkspaceTests", dependencies: ["Workspace", "Basics"]),
        .testTarget(name: "SynthTests", dependencies: ["Synth", "HDF5Support", "TestSupport"]),
        .testTarget(name: "TargetsTests", dependencies: ["Targets", "Rules", "TestSupport"]),
        .testTarget(name: "BackendsTests", dependencies: ["Backends", "Basics", "Targets", "Rules", "TestSupport"], exclude: ["Fixtures"]),
        // Scenario tests: the real dbuild executable on the projects in Tests/DbuildTests/Fixtures.
        .testTarget(name: "DbuildTests", dependencies: ["TestSupport", "Rules"], exclude: ["Fixtures", "Golden"]),
    ]
)

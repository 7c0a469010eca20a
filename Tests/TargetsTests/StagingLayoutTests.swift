import Testing
import Rules
import Targets

/// Where a step's outputs are staged: one folder per step standing for the folder its outputs
/// share, on the products' own file system (the project's `.dbuild/staging`, a root's first
/// location), and nothing for outputs outside both.
@Suite struct StagingLayoutTests {
    let roots = RootLocations([("scratch", ["/scratch/new", "/scratch/old"])])

    @Test func outputsInOneFolderAreStagedFlatAndMoveIntoThatFolder() throws {
        let layout = try #require(Staging.layout(step: "LP/m1", outputs: ["LP/m1/plane0.h5", "LP/m1/plane1.h5"], roots: roots))
        let key = Staging.key(of: "LP/m1")
        #expect(layout.paths == [".dbuild/staging/\(key)/plane0.h5", ".dbuild/staging/\(key)/plane1.h5"])
        #expect(layout.folders.map(\.staging) == [".dbuild/staging/\(key)"])
        #expect(layout.folders.map(\.target) == ["LP/m1"])
    }

    @Test func outputsInSeveralFoldersKeepTheirLayoutBelowTheFolderTheyShare() throws {
        let layout = try #require(Staging.layout(step: "S", outputs: ["a/b/x.txt", "a/c/y.txt", "top.txt"], roots: roots))
        let key = Staging.key(of: "S")
        #expect(layout.paths == [".dbuild/staging/\(key)/a/b/x.txt", ".dbuild/staging/\(key)/a/c/y.txt", ".dbuild/staging/\(key)/top.txt"])
        #expect(layout.folders.map(\.target) == ["."])
    }

    @Test func underARootTheStagingFolderIsInItsFirstLocation() throws {
        let layout = try #require(Staging.layout(step: "P", outputs: ["@scratch/planes/p.dat", "log/p.txt", dir("@scratch/planes/p.zarr")],
                                                 roots: roots))
        let key = Staging.key(of: "P")
        #expect(layout.paths == ["/scratch/new/.dbuild-staging/\(key)/p.dat", ".dbuild/staging/\(key)/p.txt",
                                 "/scratch/new/.dbuild-staging/\(key)/p.zarr/"])
        #expect(layout.folders.map(\.staging) == ["/scratch/new/.dbuild-staging/\(key)", ".dbuild/staging/\(key)"])
        #expect(layout.folders.map(\.target) == ["/scratch/new/planes", "log"])
    }

    @Test func anOutputOutsideTheProjectAndItsRootsIsNotStaged() {
        #expect(Staging.layout(step: "X", outputs: ["a.txt", "/elsewhere/b.txt"], roots: roots) == nil)
        #expect(!Staging.canStage("/elsewhere/b.txt", roots: roots) && Staging.canStage("@scratch/x", roots: roots))
    }
}

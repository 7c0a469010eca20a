import Foundation
import Testing
@testable import Synth
import TestSupport

@Suite struct NumericsTests {
    /// Σ|x|² = (1/N) Σ|X_k|² over the full spectrum; the half spectrum counts inner columns twice.
    private func parseval(_ values: [Double], shape: [Int]) -> (Double, Double) {
        let spectrum = FFT.forward(values, shape: shape)
        let n = shape.last!, half = n / 2 + 1
        var sum = 0.0
        for (i, c) in spectrum.enumerated() {
            let l = i % half
            let weight = (l == 0 || (n % 2 == 0 && l == n / 2)) ? 1.0 : 2.0
            sum += weight * (c.0 * c.0 + c.1 * c.1)
        }
        return (values.reduce(0) { $0 + $1 * $1 }, sum / Double(values.count))
    }

    @Test(arguments: [[16, 16], [8, 8, 8], [6, 10]])
    func parsevalHoldsForTheFFTWrapper(shape: [Int]) {
        var random = SeededRandom(seed: 42)
        let values = (0..<shape.reduce(1, *)).map { _ in random.gaussian() }
        let (space, frequency) = parseval(values, shape: shape)
        #expect(abs(space - frequency) / space < 1e-12)
    }

    @Test func inverseUndoesForwardUpToTheCount() {
        var random = SeededRandom(seed: 7)
        let values = (0..<(8 * 8 * 8)).map { _ in random.uniform() }
        let back = FFT.inverse(FFT.forward(values, shape: [8, 8, 8]), shape: [8, 8, 8]).map { $0 / 512 }
        #expect(zip(values, back).allSatisfy { abs($0 - $1) < 1e-12 })
    }

    @Test func fieldsMeasuredSpectrumMatchesTheInputWithinSamplingError() {
        let n = 32
        let model = SpectrumModel(amplitude: 2.0, index: -1.5, cutoff: 8)
        let field = GaussianField.generate(size: n, model: model, seed: 11)
        let measured = MeasuredSpectrum.of(field, shape: [n, n, n])
        // The model averaged over the same modes each bin holds.
        var expected = [Int: (sum: Double, count: Double)]()
        for i in 0..<n { for j in 0..<n { for l in 0...(n / 2) {
            let (ki, kj) = (FFT.frequency(i, n), FFT.frequency(j, n))
            let k = Double(ki * ki + kj * kj + l * l).squareRoot()
            let bin = Int(k.rounded())
            guard bin >= 1, bin <= n / 2 else { continue }
            let w = (l == 0 || l == n / 2) ? 1.0 : 2.0
            expected[bin, default: (0, 0)].sum += w * model.power(k)
            expected[bin, default: (0, 0)].count += w
        } } }
        var checked = 0
        for (b, k) in measured.k.enumerated() {
            let bin = Int(k.rounded())
            guard let e = expected[bin], bin <= 10 else { continue }
            let want = e.sum / e.count
            // Each independent mode's power is exponential (σ = mean); half the counted modes are mirrors.
            let sigma = 1 / (Double(measured.modes[b]) / 2).squareRoot()
            #expect(abs(measured.power[b] / want - 1) < 5 * sigma, "bin \(bin): \(measured.power[b]) vs \(want)")
            checked += 1
        }
        #expect(checked >= 8)
    }

    @Test func fieldIsReproducibleFromItsSeed() {
        let model = SpectrumModel(amplitude: 1, index: -2, cutoff: 4)
        #expect(GaussianField.generate(size: 8, model: model, seed: 3) == GaussianField.generate(size: 8, model: model, seed: 3))
        #expect(GaussianField.generate(size: 8, model: model, seed: 3) != GaussianField.generate(size: 8, model: model, seed: 4))
    }

    @Test func aPlaneIsTheSumOfItsSlab() {
        let n = 4
        let field = (0..<(n * n * n)).map { Double($0) }
        let slab = LensPlanes.slab(1, of: 2, size: n)
        #expect(slab == 2..<4)
        let plane = LensPlanes.project(field, size: n, slab: slab)
        for x in 0..<n { for y in 0..<n {
            #expect(plane[x * n + y] == field[(x * n + y) * n + 2] + field[(x * n + y) * n + 3])
        } }
    }

    @Test func ranksSharePlanesWithoutGapsOrOverlap() {
        for ranks in 1...5 {
            let all = (0..<ranks).flatMap { LensPlanes.planes(forRank: $0, ranks: ranks, count: 7) }
            #expect(all.sorted() == Array(0..<7))
        }
    }

    @Test func convergenceIsTheWeightedSumOfShiftedPlanes() {
        let n = 4
        let flat = [Double](repeating: 1, count: n * n)
        let kappa = RayTrace.convergence(planes: [flat, flat], size: n, seed: "run001")
        let w = RayTrace.weight(0, of: 2) + RayTrace.weight(1, of: 2)
        #expect(kappa.allSatisfy { abs($0 - w) < 1e-15 })
    }

    @Test func summaryIsMeanAndScatter() {
        let s = SpectrumSummary(k: [1, 2], spectra: [[1, 4], [3, 8]])
        #expect(s.mean == [2, 6])
        #expect(s.scatter == [1, 2])
        #expect(s.csv == "k,mean,scatter\n1.0000,2.000000e+00,1.000000e+00\n2.0000,6.000000e+00,2.000000e+00\n")
    }
}

@Suite struct HDF5Tests {
    @Test func datasetsAndAttributesRoundTripAndFilesAreByteIdentical() throws {
        let dir = TemporaryDirectory()
        func write(_ name: String) throws {
            try writeHDF5Atomically(dir.path + "/" + name) { file in
                try file.write("values", [1.5, 2.5, 3.5, 4.5], shape: [2, 2], chunked: true)
                try file.write("ids", [Int64(7), 8], shape: [2])
                try file.setAttribute("seed", Int64(42))
                try file.setAttribute("amplitude", 0.8)
                try file.setAttribute("sources", "a.h5,b.h5")
            }
        }
        try write("one.h5")
        Thread.sleep(forTimeInterval: 1.1)       // a timestamp, if one were written, would now differ
        try write("two.h5")
        let one = FileManager.default.contents(atPath: dir.path + "/one.h5")
        #expect(one != nil && one == FileManager.default.contents(atPath: dir.path + "/two.h5"))
        let file = try HDF5File.open(dir.path + "/one.h5")
        let (values, shape) = try file.readDoubles("values")
        #expect(values == [1.5, 2.5, 3.5, 4.5] && shape == [2, 2])
        #expect(try file.readInts("ids").values == [7, 8])
        #expect(try file.intAttribute("seed") == 42)
        #expect(try file.doubleAttribute("amplitude") == 0.8)
        #expect(throws: SynthError.self) { try file.readDoubles("absent") }
    }

    @Test func missingAndMalformedFilesAreNamed() throws {
        let dir = TemporaryDirectory()
        #expect { try HDF5File.open(dir.path + "/none.h5") } throws: { "\($0)".contains("no such file") }
        try dir.write("junk.h5", "not hdf5")
        #expect { try HDF5File.open(dir.path + "/junk.h5") } throws: { "\($0)".contains("not an HDF5 file") }
    }

    @Test func failedWriteLeavesNothingBehind() throws {
        let dir = TemporaryDirectory()
        #expect(throws: SynthError.self) {
            try writeHDF5Atomically(dir.path + "/out.h5") { _ in throw SynthError("stop") }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// The power spectrum the fields are drawn from: P(k) = amplitude · k^index · exp(−(k/cutoff)²),
/// k in units of the box's fundamental mode; P(0) = 0.
public struct SpectrumModel: Equatable, Sendable {
    public var amplitude: Double
    public var index: Double
    public var cutoff: Double

    public init(amplitude: Double, index: Double, cutoff: Double) {
        self.amplitude = amplitude
        self.index = index
        self.cutoff = cutoff
    }

    public func power(_ k: Double) -> Double {
        k == 0 ? 0 : amplitude * pow(k, index) * exp(-(k / cutoff) * (k / cutoff))
    }
}

/// A Gaussian random field on an n³ grid with a given spectrum: white noise, transformed, shaped by
/// √P(k), transformed back. The expected |δ_k|²/n³ of the result is P(k).
public enum GaussianField {
    public static func generate(size n: Int, model: SpectrumModel, seed: UInt64) -> [Double] {
        var random = SeededRandom(seed: seed)
        let noise = (0..<(n * n * n)).map { _ in random.gaussian() }
        var spectrum = FFT.forward(noise, shape: [n, n, n])
        let half = n / 2 + 1
        for i in 0..<n {
            let ki = FFT.frequency(i, n)
            for j in 0..<n {
                let kj = FFT.frequency(j, n)
                for l in 0..<half {
                    let k = Double(ki * ki + kj * kj + l * l).squareRoot()
                    let scale = model.power(k).squareRoot()
                    let index = (i * n + j) * half + l
                    spectrum[index] = (spectrum[index].0 * scale, spectrum[index].1 * scale)
                }
            }
        }
        let norm = 1.0 / Double(n * n * n)
        return FFT.inverse(spectrum, shape: [n, n, n]).map { $0 * norm }
    }
}

/// A spectrum measured from data: mean power in bins of |k| (bin b holds b − ½ ≤ |k| < b + ½).
public struct MeasuredSpectrum: Equatable, Sendable {
    public var k: [Double]
    public var power: [Double]
    public var modes: [Int64]
}

extension MeasuredSpectrum {
    /// Of a real field of `shape` (2-D or 3-D, all sides n): |F_k|² / N, averaged per |k| bin, up to n/2.
    public static func of(_ values: [Double], shape: [Int]) -> MeasuredSpectrum {
        let n = shape[0]
        let total = Double(values.count)
        let spectrum = FFT.forward(values, shape: shape)
        let half = n / 2 + 1
        let bins = n / 2
        var sum = [Double](repeating: 0, count: bins + 1)
        var kSum = [Double](repeating: 0, count: bins + 1)
        var count = [Int64](repeating: 0, count: bins + 1)
        let outer = shape.count == 3 ? n : 1
        for a in 0..<outer {
            let ka = shape.count == 3 ? FFT.frequency(a, n) : 0
            for j in 0..<n {
                let kj = FFT.frequency(j, n)
                for l in 0..<half {
                    // Modes with 0 < l < n/2 stand for themselves and their mirror image.
                    let weight: Int64 = (l == 0 || (n % 2 == 0 && l == n / 2)) ? 1 : 2
                    let k = Double(ka * ka + kj * kj + l * l).squareRoot()
                    let bin = Int(k.rounded())
                    guard bin >= 1, bin <= bins else { continue }
                    let c = spectrum[(a * n + j) * half + l]
                    sum[bin] += Double(weight) * (c.0 * c.0 + c.1 * c.1) / total
                    kSum[bin] += Double(weight) * k
                    count[bin] += weight
                }
            }
        }
        let used = (1...bins).filter { count[$0] > 0 }
        return MeasuredSpectrum(k: used.map { kSum[$0] / Double(count[$0]) }, power: used.map { sum[$0] / Double(count[$0]) },
                                modes: used.map { count[$0] })
    }
}

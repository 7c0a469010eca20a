/// Lens planes: a 3-D field (layout [x][y][z], z fastest) cut along z into slabs, each summed into
/// a 2-D plane.
public enum LensPlanes {
    /// The z range of plane `index` out of `count` on an n-cell axis.
    public static func slab(_ index: Int, of count: Int, size n: Int) -> Range<Int> {
        (index * n / count)..<((index + 1) * n / count)
    }

    /// The projection of one slab: plane[x·n + y] = Σ_z field[x, y, z].
    public static func project(_ field: [Double], size n: Int, slab: Range<Int>) -> [Double] {
        var plane = [Double](repeating: 0, count: n * n)
        for xy in 0..<(n * n) {
            var sum = 0.0
            for z in slab { sum += field[xy * n + z] }
            plane[xy] = sum
        }
        return plane
    }

    /// The planes one MPI rank makes: every size-th, starting at its rank. Each plane is computed by
    /// exactly one rank with the same arithmetic, so 1 rank and N ranks write identical files.
    public static func planes(forRank rank: Int, ranks: Int, count: Int) -> [Int] {
        Array(stride(from: rank, to: count, by: max(1, ranks)))
    }
}

/// Ray tracing in miniature: a convergence map as the lensing-weighted sum of the planes, each
/// shifted by a random offset drawn from the run's seed (a randomly placed line of sight).
public enum RayTrace {
    /// Lensing efficiency of plane i of count: largest halfway to the source.
    public static func weight(_ i: Int, of count: Int) -> Double {
        let x = (Double(i) + 0.5) / Double(count)
        return 4 * x * (1 - x)
    }

    public static func convergence(planes: [[Double]], size n: Int, seed: String) -> [Double] {
        var random = SeededRandom(text: seed)
        var kappa = [Double](repeating: 0, count: n * n)
        for (i, plane) in planes.enumerated() {
            let dx = random.integer(below: n), dy = random.integer(below: n)
            let w = weight(i, of: planes.count)
            for x in 0..<n {
                let sx = (x + dx) % n
                for y in 0..<n { kappa[x * n + y] += w * plane[sx * n + (y + dy) % n] }
            }
        }
        return kappa
    }
}

/// Mean and scatter over runs of power spectra that share their k bins.
public struct SpectrumSummary: Equatable, Sendable {
    public var k: [Double]
    public var mean: [Double]
    public var scatter: [Double]
    public var runs: Int

    public init(k: [Double], spectra: [[Double]]) {
        self.k = k
        runs = spectra.count
        let bins = k.count
        mean = (0..<bins).map { b in spectra.reduce(0) { $0 + $1[b] } / Double(max(1, spectra.count)) }
        scatter = (0..<bins).map { [mean] b in
            (spectra.reduce(0) { $0 + ($1[b] - mean[b]) * ($1[b] - mean[b]) } / Double(max(1, spectra.count))).squareRoot()
        }
    }

    /// "k,mean,scatter" lines with fixed precision, so the CSV is byte-stable.
    public var csv: String {
        var text = "k,mean,scatter\n"
        for b in k.indices { text += "\(fixed(k[b], 4)),\(scientific(mean[b])),\(scientific(scatter[b]))\n" }
        return text
    }
}

func fixed(_ value: Double, _ digits: Int) -> String {
    let scale = pow(10.0, Double(digits))
    let rounded = (abs(value) * scale).rounded()
    let whole = Int(rounded / scale), frac = Int(rounded.truncatingRemainder(dividingBy: scale))
    let fracText = String(frac)
    return (value < 0 && rounded > 0 ? "-" : "") + "\(whole)." + String(repeating: "0", count: digits - fracText.count) + fracText
}

func scientific(_ value: Double) -> String {
    guard value != 0, value.isFinite else { return value.isFinite ? "0.000000e+00" : "nan" }
    var exponent = Int(floor(log10(abs(value))))
    var mantissa = value / pow(10.0, Double(exponent))
    if abs(Double(fixed(mantissa, 6))!) >= 10 { mantissa /= 10; exponent += 1 }
    let sign = exponent < 0 ? "-" : "+"
    let e = String(abs(exponent))
    return fixed(mantissa, 6) + "e" + sign + (e.count < 2 ? "0" + e : e)
}

#if canImport(Glibc)
import Glibc
#endif

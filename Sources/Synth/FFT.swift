import CFFTW
import Foundation

/// FFTW's planner is not thread-safe (its manual: only fftw_execute is): plans are made and destroyed
/// under this lock. Tests run transforms on several threads at once, and crashed without it.
private let plannerLock = NSLock()

/// Real ↔ complex discrete Fourier transforms through FFTW, unnormalised like FFTW itself (a forward
/// then inverse transform multiplies by the number of points). Plans use FFTW_ESTIMATE: the same
/// algorithm every run, hence bit-identical results.
public enum FFT {
    /// Forward transform of a real array of `shape` (row-major, last index fastest). The result has
    /// shape `shape` with the last dimension cut to n/2 + 1, as (re, im) pairs.
    public static func forward(_ values: [Double], shape: [Int]) -> [(Double, Double)] {
        precondition(values.count == shape.reduce(1, *))
        var input = values
        let outCount = shape.dropLast().reduce(1, *) * (shape.last! / 2 + 1)
        var output = [fftw_complex](repeating: (0, 0), count: outCount)
        var dims = shape.map { Int32($0) }
        input.withUnsafeMutableBufferPointer { inp in
            output.withUnsafeMutableBufferPointer { out in
                let plan = plannerLock.withLock {
                    fftw_plan_dft_r2c(Int32(dims.count), &dims, inp.baseAddress, out.baseAddress, UInt32(FFTW_ESTIMATE))
                }
                fftw_execute(plan)
                plannerLock.withLock { fftw_destroy_plan(plan) }
            }
        }
        return output.map { ($0.0, $0.1) }
    }

    /// Inverse of `forward` (unnormalised): half-spectrum in, real array of `shape` out.
    public static func inverse(_ spectrum: [(Double, Double)], shape: [Int]) -> [Double] {
        var input = spectrum.map { fftw_complex($0.0, $0.1) }
        var output = [Double](repeating: 0, count: shape.reduce(1, *))
        var dims = shape.map { Int32($0) }
        input.withUnsafeMutableBufferPointer { inp in
            output.withUnsafeMutableBufferPointer { out in
                let plan = plannerLock.withLock {
                    fftw_plan_dft_c2r(Int32(dims.count), &dims, inp.baseAddress, out.baseAddress, UInt32(FFTW_ESTIMATE))
                }
                fftw_execute(plan)
                plannerLock.withLock { fftw_destroy_plan(plan) }
            }
        }
        return output
    }

    /// The signed frequency of index i on an n-point axis.
    @inline(__always)
    public static func frequency(_ i: Int, _ n: Int) -> Int { i <= n / 2 ? i : i - n }
}

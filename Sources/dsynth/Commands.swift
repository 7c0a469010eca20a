import ArgumentParser
import CMPI
import Foundation
import Synth

struct FieldCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "field", abstract: "A seeded Gaussian random 3-D density field.")
    @Option(help: "Cells per side.") var size = 64
    @Option(help: "Spectrum amplitude.") var amplitude = 1.0
    @Option(help: "Spectral index.") var index = -2.0
    @Option(help: "Cutoff wavenumber (fundamental modes).") var cutoff = 16.0
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(help: "Output HDF5 file.") var out: String

    func validate() throws {
        guard (4...256).contains(size) else { throw ValidationError("--size must be 4 to 256") }
        guard amplitude > 0, cutoff > 0 else { throw ValidationError("--amplitude and --cutoff must be positive") }
    }

    func run() throws {
        let model = SpectrumModel(amplitude: amplitude, index: index, cutoff: cutoff)
        let field = GaussianField.generate(size: size, model: model, seed: seed)
        try writeHDF5Atomically(out) { file in
            try file.write("density", field, shape: [size, size, size])
            try file.setAttribute("amplitude", amplitude)
            try file.setAttribute("index", index)
            try file.setAttribute("cutoff", cutoff)
            try file.setAttribute("seed", Int64(seed))
            try file.setAttribute("size", Int64(size))
        }
    }
}

struct LensPlaneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lensplane",
        abstract: "Project slabs of a field onto planes, one file per plane; under MPI the planes are shared among the ranks.")
    @Option(help: "The field (HDF5, from `dsynth field`).") var field: String
    @Argument(help: "One output file per plane, nearest first.") var out: [String]

    func validate() throws {
        guard !out.isEmpty else { throw ValidationError("name at least one plane file") }
    }

    func run() throws {
        MPI_Init(nil, nil)
        defer { MPI_Finalize() }
        var rank: Int32 = 0, ranks: Int32 = 1
        MPI_Comm_rank(dsynth_comm_world(), &rank)
        MPI_Comm_size(dsynth_comm_world(), &ranks)
        // Every rank validates the input, so a bad file fails every rank before any plane is written.
        let file = try HDF5File.open(field)
        let (density, shape) = try file.readDoubles("density")
        guard shape.count == 3, shape[0] == shape[1], shape[1] == shape[2] else {
            throw SynthError("\(field): dataset \"density\" has shape \(shape); expected a cube")
        }
        let n = shape[0]
        guard out.count <= n else { throw SynthError("\(out.count) planes from a field of \(n) cells per side: at most \(n)") }
        for index in LensPlanes.planes(forRank: Int(rank), ranks: Int(ranks), count: out.count) {
            let slab = LensPlanes.slab(index, of: out.count, size: n)
            let plane = LensPlanes.project(density, size: n, slab: slab)
            try writeHDF5Atomically(out[index]) { planeFile in
                try planeFile.write("sigma", plane, shape: [n, n])
                try planeFile.setAttribute("plane", Int64(index))
                try planeFile.setAttribute("z_first", Int64(slab.lowerBound))
                try planeFile.setAttribute("z_last", Int64(slab.upperBound - 1))
            }
        }
    }
}

struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert", abstract: "All planes of one realization in one chunked, compressed HDF5 file with an index.")
    @Option(help: "Output HDF5 file.") var out: String
    @Argument(help: "Plane files, nearest first.") var planes: [String]

    func run() throws {
        guard !planes.isEmpty else { throw SynthError("no plane files given") }
        var stack: [Double] = []
        var indices: [Int64] = []
        var n = 0
        for path in planes {
            let file = try HDF5File.open(path)
            let (sigma, shape) = try file.readDoubles("sigma")
            guard shape.count == 2, shape[0] == shape[1], n == 0 || shape[0] == n else {
                throw SynthError("\(path): plane of shape \(shape) does not match the others (\(n)×\(n))")
            }
            n = shape[0]
            stack += sigma
            indices.append(try file.intAttribute("plane"))
        }
        try writeHDF5Atomically(out) { file in
            try file.write("planes", stack, shape: [planes.count, n, n], chunked: true)
            try file.write("index", indices, shape: [planes.count])
            try file.setAttribute("sources", planes.map { ($0 as NSString).lastPathComponent }.joined(separator: ","))
        }
    }
}

struct RayTraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "raytrace", abstract: "A convergence map for one run seed.")
    @Option(name: .customLong("in"), help: "The converted planes (from `dsynth convert`).") var input: String
    @Option(help: "The run's seed (any text, e.g. run003).") var seed: String
    @Option(help: "Output HDF5 file.") var out: String

    func run() throws {
        let (stack, shape) = try HDF5File.open(input).readDoubles("planes")
        guard shape.count == 3, shape[1] == shape[2] else { throw SynthError("\(input): \"planes\" has shape \(shape); expected count × n × n") }
        let n = shape[1]
        let planes = (0..<shape[0]).map { Array(stack[($0 * n * n)..<(($0 + 1) * n * n)]) }
        let kappa = RayTrace.convergence(planes: planes, size: n, seed: seed)
        try writeHDF5Atomically(out) { file in
            try file.write("kappa", kappa, shape: [n, n])
            try file.setAttribute("seed", seed)
        }
    }
}

struct PowerSpectrumCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "powerspec", abstract: "The angular power spectrum of a map (FFTW).")
    @Option(name: .customLong("in"), help: "A convergence map (from `dsynth raytrace`).") var input: String
    @Option(help: "Output HDF5 file.") var out: String

    func run() throws {
        let (kappa, shape) = try HDF5File.open(input).readDoubles("kappa")
        guard shape.count == 2, shape[0] == shape[1] else { throw SynthError("\(input): \"kappa\" has shape \(shape); expected n × n") }
        let spectrum = MeasuredSpectrum.of(kappa, shape: shape)
        try writeHDF5Atomically(out) { file in
            try file.write("k", spectrum.k, shape: [spectrum.k.count])
            try file.write("power", spectrum.power, shape: [spectrum.power.count])
            try file.write("modes", spectrum.modes, shape: [spectrum.modes.count])
        }
    }
}

struct SummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "summary", abstract: "Mean and scatter of power spectra over runs.")
    @Option(help: "Output HDF5 file.") var h5: String
    @Option(help: "Output CSV file.") var csv: String
    @Argument(help: "Power spectrum files (from `dsynth powerspec`).") var spectra: [String]

    func run() throws {
        guard !spectra.isEmpty else { throw SynthError("no power spectrum files given") }
        var k: [Double] = []
        var powers: [[Double]] = []
        for path in spectra {
            let file = try HDF5File.open(path)
            let (kk, _) = try file.readDoubles("k")
            let (p, _) = try file.readDoubles("power")
            guard k.isEmpty || kk == k, p.count == kk.count else { throw SynthError("\(path): its k bins differ from \(spectra[0])'s") }
            k = kk
            powers.append(p)
        }
        let summary = SpectrumSummary(k: k, spectra: powers)
        try writeHDF5Atomically(h5) { file in
            try file.write("k", summary.k, shape: [k.count])
            try file.write("mean", summary.mean, shape: [k.count])
            try file.write("scatter", summary.scatter, shape: [k.count])
            try file.setAttribute("runs", Int64(summary.runs))
        }
        try writeTextAtomically(summary.csv, to: csv)
    }
}

struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "plot", abstract: "An SVG of the per-model power spectra.")
    @Option(help: "Output SVG file.") var out: String
    @Option(help: "Title.") var title = "Convergence power spectra"
    @Argument(help: "Summary files (from `dsynth summary`); each one's name is its model.") var summaries: [String]

    func run() throws {
        var series: [(String, SpectrumSummary)] = []
        for path in summaries {
            let file = try HDF5File.open(path)
            let (k, _) = try file.readDoubles("k")
            let (mean, _) = try file.readDoubles("mean")
            let (scatter, _) = try file.readDoubles("scatter")
            var summary = SpectrumSummary(k: k, spectra: [])
            summary.mean = mean
            summary.scatter = scatter
            summary.runs = Int(try file.intAttribute("runs"))
            series.append((((path as NSString).lastPathComponent as NSString).deletingPathExtension, summary))
        }
        try writeTextAtomically(SpectrumPlot.svg(series, title: title), to: out)
    }
}

func writeTextAtomically(_ text: String, to path: String) throws {
    try replaceAtomically(path) { try text.write(toFile: $0, atomically: false, encoding: .utf8) }
}

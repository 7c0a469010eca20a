import ArgumentParser
import Foundation
import Synth

/// dsynth: the example pipeline's science in miniature — Gaussian fields (FFTW), lens planes (MPI),
/// a converted file, ray-traced convergence maps, their power spectra and per-model summaries, all
/// HDF5 and all byte-for-byte reproducible.
struct Dsynth: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dsynth",
        abstract: "Synthetic lensing products for dbuild's example pipeline.",
        subcommands: [FieldCommand.self, LensPlaneCommand.self, ConvertCommand.self, RayTraceCommand.self,
                      PowerSpectrumCommand.self, SummaryCommand.self, PlotCommand.self])

    static func mainWithErrors() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as SynthError {
            FileHandle.standardError.write(Data("dsynth: error: \(error.description)\n".utf8))
            Foundation.exit(1)
        } catch {
            exit(withError: error)
        }
    }
}

Dsynth.mainWithErrors()

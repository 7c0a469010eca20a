// dsynth's commands use the HDF5 wrapper through Synth.
@_exported import HDF5Support

/// How an `OpenCLBackend` runs: every setting the backend has, with the defaults
/// `OpenCLBackend()` uses. The library reads no environment variable; rnn-train and rnn-bench map
/// theirs and their flags onto these (RecurCLI's `BackendSettings`: `--device` and RECUR_DEVICE,
/// RECUR_OPENCL_LOOP, RECUR_OPENCL_PROFILE, RECUR_CACHE_DIR and RECUR_TUNING).
public struct OpenCLBackendOptions: Sendable {
    /// The device: an index into `DeviceSelection.allDevices()` or part of a name, any case; nil
    /// or blank (the default): the first GPU, else the first CPU device (`DeviceSelection`).
    public var device: String?
    /// The recurrent time loop (default: `.automatic`); tests and benchmarks force one to
    /// compare them.
    public var sequenceLoop: OpenCLBackend.SequenceLoop
    /// Where tuned GEMM parameters are read (`rnn-bench tune` writes them): the device's entry
    /// when there is a valid one, else the defaults. Nil (the default): the defaults for the device
    /// type, without reading any file. `GEMMTuningCache.standard(environment:)` gives the location
    /// the command lines use.
    public var tuningCache: GEMMTuningCache?
    /// Where to add each kernel launch's device time; nil (the default): not profiled. The caller
    /// prints the profile's `report` when its work is done.
    public var profile: KernelProfile?
    /// Where the device's self-test verdicts are read and kept (`PathQualification`); nil (the
    /// default): the self-test runs once per process and device, without reading or writing a
    /// file. `QualificationCache(directory:)` with the tuning cache's directory is what the
    /// command lines use.
    public var qualificationCache: QualificationCache?

    /// Each setting as given, with `OpenCLBackend()`'s defaults.
    public init(device: String? = nil, sequenceLoop: OpenCLBackend.SequenceLoop = .automatic,
                tuningCache: GEMMTuningCache? = nil, profile: KernelProfile? = nil,
                qualificationCache: QualificationCache? = nil) {
        self.device = device
        self.sequenceLoop = sequenceLoop
        self.tuningCache = tuningCache
        self.profile = profile
        self.qualificationCache = qualificationCache
    }
}

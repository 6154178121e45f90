/// How a `CPUBackend` runs: every setting the backend has, with the defaults `CPUBackend()` uses.
/// The library reads no environment variable; rnn-train and rnn-bench map theirs onto these
/// (RecurCLI's `BackendSettings`: RECUR_CPU_THREADS, RECUR_CPU_LOOP, RECUR_CPU_KERNELS,
/// RECUR_CPU_PROFILE).
public struct CPUBackendOptions: Sendable {
    /// The threads its operations run on, the calling thread included; nil: the shared pool
    /// (`ThreadPool.shared`, one thread per active processor). A count gives the backend a pool of
    /// its own, of exactly that many threads (see `CPUBackend.init(options:)` for why); 1 to
    /// `maximumThreads`.
    public var threads: Int?
    /// The most threads a backend takes: a pool starts its threads up front, and a count far beyond
    /// any machine's cores (a typo, a unit mix-up) would only make the process crawl or fail.
    public static let maximumThreads = 1024
    /// How the recurrent time loops run (default: the team, split as `TeamPlan` measured best).
    public var sequenceLoop: CPUBackend.SequenceLoop
    /// The vector kernels of its GEMMs and time loops; must be one of `CPUKernels.supported`
    /// (default: the widest, `CPUKernels.best`).
    public var kernels: CPUKernels
    /// Where to add each operation's wall time; nil (the default): not timed. The caller prints
    /// the profile's `report` when its work is done.
    public var profile: OperationProfile?
    /// The caches the GEMM's blocking and the time loop's split rules are derived from (default:
    /// what this machine reports, `CPUCaches.machine`). Another machine's sizes reproduce its
    /// choices here; out-of-range sizes only clamp the blocks, they cannot break a product.
    public var caches: CPUCaches

    /// Each setting as given, with `CPUBackend()`'s defaults; `CPUBackend.init(options:)` checks them.
    public init(threads: Int? = nil, sequenceLoop: CPUBackend.SequenceLoop = .team,
                kernels: CPUKernels = .best, profile: OperationProfile? = nil, caches: CPUCaches = .machine) {
        self.threads = threads
        self.sequenceLoop = sequenceLoop
        self.kernels = kernels
        self.profile = profile
        self.caches = caches
    }
}

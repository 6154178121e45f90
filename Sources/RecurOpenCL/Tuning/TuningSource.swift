/// Where an `OpenCLBackend`'s GEMM parameters came from, so that tools can say so (`rnn-bench
/// devices`, the header of `rnn-bench run`): a timing taken with the defaults and one taken with
/// tuned parameters are different measurements.
public enum TuningSource: Sendable, Equatable, CustomStringConvertible {
    /// The defaults for the device type: no cache file for this device and driver (or no cache
    /// directory at all).
    case defaults
    /// The defaults, because the cache is switched off (`GEMMTuningCache.isEnabled`; RECUR_TUNING=off
    /// in the command lines).
    case disabled
    /// The cache file at this path.
    case cache(path: String)
    /// The cache file at this path exists but was not used (unreadable, corrupt, or recorded for
    /// another device or driver); the defaults are in use.
    case ignored(path: String, reason: String)
    /// Parameters given by the caller (`rnn-bench tune` timing a candidate).
    case explicit
    /// The defaults of the other GEMM path: the device's self-test did not qualify this one.
    case unqualified(path: DevicePath, reason: String)

    /// `CustomStringConvertible`: the source in words, for tools' reports.
    public var description: String {
        switch self {
        case .defaults: return "defaults (no tuning cache for this device and driver; `rnn-bench tune` makes one)"
        case .disabled: return "defaults (the tuning cache is off: RECUR_TUNING=off)"
        case let .cache(path): return "tuned, from \(path)"
        case let .ignored(path, reason): return "defaults (ignored \(path): \(reason))"
        case .explicit: return "given explicitly"
        case let .unqualified(path, reason): return "defaults of the other GEMM path (\(path.rawValue) is not qualified on this device: \(reason))"
        }
    }
}

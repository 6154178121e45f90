import Synchronization

/// Device memory a backend holds in its buffers: now and at the most since the last reset, for
/// rnn-bench's peak memory per workload. Updated as buffers are made and freed, from any thread.
public final class MemoryGauge: Sendable {
    private let current = Atomic<Int>(0)
    private let highest = Atomic<Int>(0)

    /// Starts at zero bytes held.
    public init() {}

    /// Bytes the backend's live buffers hold now.
    public var bytesInUse: Int { current.load(ordering: .relaxed) }
    /// The most held at once since the last `resetPeak()`.
    public var peakBytes: Int { highest.load(ordering: .relaxed) }

    /// Records a buffer of `bytes` made, raising the peak when it is passed.
    public func allocated(_ bytes: Int) {
        let now = current.add(bytes, ordering: .relaxed).newValue
        var seen = highest.load(ordering: .relaxed)
        while now > seen {
            let (exchanged, original) = highest.compareExchange(expected: seen, desired: now, ordering: .relaxed)
            if exchanged { break }
            seen = original
        }
    }

    /// Records a buffer of `bytes` freed.
    public func freed(_ bytes: Int) {
        current.subtract(bytes, ordering: .relaxed)
    }

    /// Starts a new peak from what is held now.
    public func resetPeak() {
        highest.store(current.load(ordering: .relaxed), ordering: .relaxed)
    }
}

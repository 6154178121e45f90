/// Median, fastest and slowest of repeated timings, in milliseconds.
///
/// The median rather than the mean, as torch_bench.py reports: one preempted run must not move the
/// figure compared with the peer. For an even count it is the mean of the two middle samples, as
/// Python's `statistics.median` takes it.
struct TimingStats: Sendable, Equatable {
    let median: Double
    let min: Double
    let max: Double

    init(milliseconds samples: [Double]) {
        precondition(!samples.isEmpty, "timing statistics of no samples")
        let sorted = samples.sorted()
        let middle = sorted.count / 2
        median = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        min = sorted[0]
        max = sorted[sorted.count - 1]
    }

    var medianSeconds: Double { median / 1000 }
}

/// Measuring with a monotonic clock.
enum Timing {
    /// Runs `body` untimed `warmup` times and for at least `minimumWarmup`, then `repeats` times timed
    /// with a monotonic clock (wall-clock time can jump). `afterEach(done, total)` is called after
    /// every run, warm-up included, so that a caller can report progress on long workloads.
    ///
    /// Why a warm-up time as well as a count: a core that was idle may run slowly for a while, and
    /// two warm-up steps of lstm-small take 6 ms. Behind a 3 s pause (as between the peer's runs in
    /// `pairs`) its median was 2.8-5.7 ms over 5 rounds with 2 warm-up steps; with 250 ms of
    /// warm-up, 2.9-3.1 ms over 5 rounds and 2.9-4.7 over the next 4 (the machine drifts on its own
    /// as well).
    static func measure(
        warmup: Int, minimumWarmup: Duration = .zero, repeats: Int,
        afterEach: (_ done: Int, _ total: Int) -> Void = { _, _ in }, _ body: () throws -> Void
    ) throws -> TimingStats {
        let clock = ContinuousClock()
        var total = warmup + repeats
        let warmupStart = clock.now
        var index = 0
        while index < warmup || clock.now - warmupStart < minimumWarmup {
            try body()
            index += 1
            if index > warmup { total += 1 }
            afterEach(index, total)
        }
        let warmupRuns = index
        var samples: [Double] = []
        samples.reserveCapacity(repeats)
        for index in 0..<repeats {
            let elapsed = try clock.measure(body)
            samples.append(milliseconds(elapsed))
            afterEach(warmupRuns + index + 1, total)
        }
        return TimingStats(milliseconds: samples)
    }

    static func milliseconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) * 1e3 + Double(parts.attoseconds) * 1e-15
    }
}

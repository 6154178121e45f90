import RecurCLI
import RecurOpenCL

/// The candidates of one `rnn-bench tune` run and what became of each. Candidates are identified
/// by their summary: one already tried is not tried again (stages overlap on their base).
struct TuneSearch {
    let measurement: TuneMeasurement
    private(set) var measured: [TuneResult] = []
    /// Candidates that failed to build or run, or computed wrong products: summary and reason.
    private(set) var dropped: [(candidate: String, reason: String)] = []
    private var tried: Set<String> = []

    init(measurement: TuneMeasurement) { self.measurement = measurement }

    /// The lowest total measured so far, optionally of the packed or the tiled path only.
    func best(packed: Bool? = nil) -> TuneResult? {
        measured.filter { packed == nil || $0.tuning.packed == packed }.min { $0.total < $1.total }
    }

    var prunedCount: Int { measured.filter(\.pruned).count }

    /// Checks and times each candidate not tried before. A dropped one is printed on stdout at once
    /// (with its reason); progress goes to stderr.
    mutating func evaluate(_ candidates: [GEMMTuning]) {
        for tuning in candidates where tried.insert(tuning.summary).inserted {
            let outcome = measurement.evaluate(tuning, best: best()?.total)
            switch outcome {
            case let .measured(result):
                measured.append(result)
                let note = result.pruned ? " (pruned: over \(Int(TuneMeasurement.pruneFactor))x the best after one run)" : ""
                Console.error("  \(tuning.summary): \(Self.milliseconds(result.total)) ms\(note)")
            case let .failed(reason):
                drop(tuning, "failed: \(reason)")
            case let .wrong(shape, error):
                drop(tuning, "wrong: on \(shape) max|err|/max|ref| = \(error), over \(TuneMeasurement.tolerance)")
            }
        }
    }

    private mutating func drop(_ tuning: GEMMTuning, _ reason: String) {
        dropped.append((tuning.summary, reason))
        print("dropped \(tuning.summary): \(reason)")
        Console.flush()
    }

    static func milliseconds(_ seconds: Double) -> String { Table.figure(seconds * 1000) }
}

/// Why a tuning run could not give an answer.
enum TuneError: Error, CustomStringConvertible {
    /// The device's default parameters fail the check: GEMMs on this device are broken, not slow.
    case defaultsFailed(String, reason: String)
    /// A finalist that passed its check once computed a wrong product the second time.
    case wrongOnSecondRun(String, shape: String, relativeError: Float)

    var description: String {
        switch self {
        case let .defaultsFailed(summary, reason):
            return "the default GEMM parameters (\(summary)) fail on this device, so there is nothing to tune: \(reason)"
        case let .wrongOnSecondRun(summary, shape, error):
            return "\(summary) passed its check once, then computed \(shape) with max|err|/max|ref| = \(error)"
        }
    }
}

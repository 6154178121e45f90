import Recur
import RecurOpenCL

/// The speed of one set of GEMM parameters over the tuning shapes.
struct TuneResult {
    let tuning: GEMMTuning
    /// Seconds per GEMM, per shape: the median over the timed runs.
    let seconds: [Double]
    /// Not timed further after its first run, which took over `pruneFactor` times the best total so
    /// far; its figures are that run's.
    let pruned: Bool

    /// The score: the time of one GEMM of each shape, added up. Lower is better.
    var total: Double { seconds.reduce(0, +) }

    func gflops(_ shapes: [TuneShape]) -> [Double] {
        zip(shapes, seconds).map { $0.flops / $1 / 1e9 }
    }
}

/// What became of a candidate.
enum TuneOutcome {
    case measured(TuneResult)
    /// It did not build, could not start or could not launch: the error.
    case failed(String)
    /// It ran but its product disagreed with the CPU's: the shape and the relative error.
    case wrong(shape: String, relativeError: Float)
}

/// Checks and times candidates on one device.
struct TuneMeasurement {
    /// The backends' options (the device, a profile) as the command line set them.
    let options: OpenCLBackendOptions
    let workload: TuneWorkload
    let warmup: Int
    let repeats: Int
    /// max |error| / max |reference| a candidate may show on any shape (DESIGN.md measured at most
    /// 3.5e-6 for the packed kernel on these shapes).
    static let tolerance: Float = 1e-5
    /// A candidate whose first run after its check takes over this many times the best total so far
    /// is not timed further: a slow candidate's runs are what a search spends most of its time on.
    /// Three, not two: on a shared machine with two cores, another process taking one halves the
    /// speed of whatever is measured meanwhile, and that must not prune a contender.
    static let pruneFactor = 3.0

    /// A backend with `tuning`, checked on every shape against the CPU's product, then timed: the
    /// warm-up runs, then `repeats` runs; or just one run when that is over `pruneFactor` times `best`.
    func evaluate(_ tuning: GEMMTuning, best: Double?) -> TuneOutcome {
        let backend: OpenCLBackend
        do {
            backend = try OpenCLBackend(options: options, gemmTuning: tuning)
            if let wrong = try check(on: backend) { return wrong }
        } catch {
            return .failed(Self.firstLines(of: "\(error)"))
        }
        do {
            return .measured(try time(tuning, on: backend, best: best))
        } catch {
            return .failed(Self.firstLines(of: "\(error)"))
        }
    }

    /// The first shape whose product is wrong, or nil when every one is right. (This first run also
    /// builds the programs and compiles the kernels for each launch size: it is never timed.)
    func check(on backend: any Backend) throws -> TuneOutcome? {
        for index in workload.shapes.indices {
            let error = try workload.relativeError(index, on: backend)
            if !(error <= Self.tolerance) { return .wrong(shape: workload.shapes[index].name, relativeError: error) }
        }
        return nil
    }

    func time(_ tuning: GEMMTuning, on backend: any Backend, best: Double?) throws -> TuneResult {
        var samples: [[Double]] = Array(repeating: [], count: workload.shapes.count)
        for run in 0..<(warmup + repeats) {
            let seconds = try runOnce(on: backend)
            if run == 0, warmup + repeats > 1, let best, seconds.reduce(0, +) > Self.pruneFactor * best {
                return TuneResult(tuning: tuning, seconds: seconds, pruned: true)
            }
            guard run >= warmup else { continue }
            for index in seconds.indices { samples[index].append(seconds[index]) }
        }
        return TuneResult(tuning: tuning, seconds: samples.map(Self.median), pruned: false)
    }

    /// The finalists timed again side by side: after a check and the warm-up, each of `repeats`
    /// rounds runs every finalist once, so that a change in the machine's load (it is shared)
    /// falls on all of them alike rather than on whichever was measured at the time.
    func confirm(_ finalists: [GEMMTuning]) throws -> [TuneResult] {
        var backends: [OpenCLBackend] = []
        for tuning in finalists {
            let backend = try OpenCLBackend(options: options, gemmTuning: tuning)
            if case let .wrong(shape, error)? = try check(on: backend) {
                throw TuneError.wrongOnSecondRun(tuning.summary, shape: shape, relativeError: error)
            }
            for _ in 0..<warmup { _ = try runOnce(on: backend) }
            backends.append(backend)
        }
        var samples = Array(repeating: Array(repeating: [Double](), count: workload.shapes.count), count: finalists.count)
        for _ in 0..<repeats {
            for (which, backend) in backends.enumerated() {
                for (index, seconds) in try runOnce(on: backend).enumerated() { samples[which][index].append(seconds) }
            }
        }
        return zip(finalists, samples).map { TuneResult(tuning: $0, seconds: $1.map(Self.median), pruned: false) }
    }

    /// The middle sample (the mean of the two middle ones for an even count).
    static func median(_ samples: [Double]) -> Double {
        let sorted = samples.sorted(), middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// Seconds per GEMM of each shape: `batch` GEMMs queued, one wait, the time divided by `batch`.
    func runOnce(on backend: any Backend) throws -> [Double] {
        let clock = ContinuousClock()
        return try workload.shapes.indices.map { index in
            let batch = workload.shapes[index].batch
            let elapsed = try clock.measure {
                for _ in 0..<batch { try workload.gemm(index, on: backend) }
                try backend.synchronize()
            }
            return Timing.milliseconds(elapsed) / 1000 / Double(batch)
        }
    }

    /// An error's first lines (a build log can run to pages).
    static func firstLines(of text: String, count: Int = 4) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        let head = lines.prefix(count).joined(separator: "\n    ")
        return lines.count > count ? head + "\n    (\(lines.count - count) more lines)" : head
    }
}

import Foundation
import Recur
import RecurAVX512

/// The CPU's measured single-precision peak: fused multiply-adds on the widest vectors the CPU runs
/// (`CPUKernels.best`: 16 lanes with AVX-512, else 8) with enough independent accumulators to hide
/// the FMA latency, on every thread of the pool. The denominator
/// of rnn-bench's "% of peak" (a datasheet figure would ignore this VM's clock and sharing).
public enum PeakFLOPs {
    /// GFLOP/s over `threads` threads of the pool (all when nil): the median of `repeats` runs.
    /// Throws `RecurError.invalidValue` for `threads` or `repeats` below 1 and for kernels this
    /// CPU cannot run.
    public static func measure(
        threads: Int? = nil, repeats: Int = 5, pool: ThreadPool = .shared, kernels: CPUKernels = .best
    ) throws(RecurError) -> Double {
        guard CPUKernels.supported.contains(kernels) else {
            throw .invalidValue("PeakFLOPs: this CPU cannot run the \(kernels.rawValue) kernels")
        }
        guard repeats >= 1, threads.map({ $0 >= 1 }) ?? true else {
            throw .invalidValue("PeakFLOPs: threads and repeats must be 1 or more, got \(threads.map(String.init) ?? "nil") and \(repeats)")
        }
        let workers = min(threads ?? pool.threadCount, pool.threadCount)
        let iterations = 4_000_000
        var rates: [Double] = []
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            let sink = SinkBox()
            pool.parallelFor(workers) { worker in
                let seed = Float(worker + 1)
                let result = kernels == .avx512
                    ? AVX512Peak.fmaLoop(iterations: iterations, seed: seed) : fmaLoop(iterations: iterations, seed: seed)
                sink.store(result, at: worker)
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            precondition(sink.total.isFinite, "the peak loop's result is used so that it is not optimised away")
            let flops = kernels == .avx512 ? AVX512Peak.flopsPerIteration : flopsPerIteration
            rates.append(Double(workers * iterations * flops) / seconds / 1e9)
        }
        return rates.sorted()[rates.count / 2]
    }

    /// 12 accumulators x 8 lanes x 2 flops.
    static let flopsPerIteration = 12 * 8 * 2

    @inline(never)
    static func fmaLoop(iterations: Int, seed: Float) -> Float {
        let a = SIMD8<Float>(repeating: 0.999_999), b = SIMD8<Float>(repeating: 1e-7 * seed)
        var c0 = SIMD8<Float>(repeating: seed), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0
        var c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0
        for _ in 0..<iterations {
            c0 = b.addingProduct(c0, a); c1 = b.addingProduct(c1, a); c2 = b.addingProduct(c2, a)
            c3 = b.addingProduct(c3, a); c4 = b.addingProduct(c4, a); c5 = b.addingProduct(c5, a)
            c6 = b.addingProduct(c6, a); c7 = b.addingProduct(c7, a); c8 = b.addingProduct(c8, a)
            c9 = b.addingProduct(c9, a); c10 = b.addingProduct(c10, a); c11 = b.addingProduct(c11, a)
        }
        let sum = (c0 + c1 + c2 + c3) + (c4 + c5 + c6 + c7) + (c8 + c9 + c10 + c11)
        return sum.sum()
    }

    /// Per-worker results, so the loops' values are kept (and the loops not removed).
    private final class SinkBox: @unchecked Sendable {
        private var values = [Float](repeating: 0, count: 64)
        func store(_ value: Float, at index: Int) { values[index % 64] = value }
        var total: Float { values.reduce(0, +) }
    }
}

extension CPUBackend {
    /// `PeakFLOPs.measure` on this backend's pool and kernels: the peak its operations can reach.
    public func peakGFLOPs(threads: Int? = nil, repeats: Int = 5) throws(RecurError) -> Double {
        try PeakFLOPs.measure(threads: threads, repeats: repeats, pool: pool, kernels: kernels)
    }
}

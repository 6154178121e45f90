import Recur
@testable import RecurCPU
import Testing

/// `CPUBackendOptions` take effect, and options the backend cannot honour are refused with a
/// `RecurError` rather than a trap or a silent substitute.
@Suite struct CPUBackendOptionsTests {
    @Test func theDefaultsShareThePoolAndRunTheWidestKernels() throws {
        let backend = try CPUBackend(options: CPUBackendOptions())
        #expect(backend.pool === ThreadPool.shared)
        #expect(backend.kernels == CPUKernels.supported.last)
        #expect(backend.sequenceLoop == .team && backend.profile == nil)
    }

    /// A thread count is a pool of exactly that size, the backend's own: a pool shared with other
    /// backends would run their concurrent jobs serially.
    @Test(arguments: [1, 3, 5])
    func aThreadCountIsAPoolOfThatSize(threads: Int) throws {
        let backend = try CPUBackend(options: CPUBackendOptions(threads: threads))
        #expect(backend.pool.threadCount == threads)
        #expect(backend.pool !== ThreadPool.shared)
        #expect(try CPUBackend(options: CPUBackendOptions(threads: threads)).pool !== backend.pool)
    }

    @Test(arguments: [0, -1, CPUBackendOptions.maximumThreads + 1])
    func anUnusableThreadCountThrows(threads: Int) {
        #expect(throws: RecurError.invalidValue("a CPU backend runs on 1 to 1024 threads, not \(threads)")) {
            try CPUBackend(options: CPUBackendOptions(threads: threads))
        }
    }

    @Test func theLoopAndKernelsAreTheOptions() throws {
        let backend = try CPUBackend(options: CPUBackendOptions(threads: 2, sequenceLoop: .perStep, kernels: .avx2))
        #expect(backend.sequenceLoop == .perStep && backend.kernels == .avx2)
        #expect(backend.deviceDescription.contains("avx2 kernels, per-step time loop"), "\(backend.deviceDescription)")
        // The per-step loop plans no team, whatever the shape.
        #expect(backend.teamPlan(batch: 64, hidden: 512, gates: 4) == nil)
    }

    /// Profiled operations add rows to the options' profile and to no other.
    @Test func aProfileCountsTheBackendsOperations() throws {
        let profile = OperationProfile()
        let profiled = try CPUBackend(options: CPUBackendOptions(threads: 1, profile: profile))
        let plain = CPUBackend(threads: 1)
        plain.fill(try plain.zeros([2, 2]).matrix, value: 1)
        #expect(profile.isEmpty)
        profiled.fill(try profiled.zeros([2, 2]).matrix, value: 1)
        #expect(!profile.isEmpty)
        #expect(profile.report.hasPrefix("cpu profile"), "\(profile.report)")
        #expect(profile.report.contains("fill"), "\(profile.report)")
    }
}

/// RecurCPU's other public entry points refuse what would trap or misbehave, with a `RecurError`.
@Suite struct CPUEntryPointTests {
    @Test(arguments: [0, -2, CPUBackendOptions.maximumThreads + 1])
    func aPoolOfNoThreadsThrows(threads: Int) {
        #expect(throws: RecurError.self) { try ThreadPool(threads: threads) }
    }

    /// No repeat at all had no median to give (it read past an empty array).
    @Test func peakNeedsARepeatAndAThread() throws {
        #expect(throws: RecurError.self) { try PeakFLOPs.measure(repeats: 0) }
        #expect(throws: RecurError.self) { try PeakFLOPs.measure(threads: 0, repeats: 1) }
        #expect(try CPUBackend(threads: 1).peakGFLOPs(repeats: 1) > 0)
    }
}

/// `sumRows` shares large matrices' columns among the threads; every column's rows are still added
/// in order, so the sums are the same bits on any number of threads.
@Suite struct ParallelSumRows {
    @Test("large sums are the in-order sums on 1, 2, 3 and 8 threads", arguments: [1, 2, 3, 8])
    func sameBits(threads: Int) throws {
        let backend = try CPUBackend(options: CPUBackendOptions(threads: threads))
        // 300 x 1000 in a 300 x 1003 buffer: above the parallel threshold, columns not a multiple of 16.
        let rows = 300, cols = 1000, ld = 1003
        var generator = SeededGenerator(seed: 11)
        let values = (0..<(rows * ld)).map { _ in generator.uniform(-1, 1) }
        let src = try backend.tensor(values, shape: [rows, ld]).matrix.columns(0, cols)
        for accumulate in [false, true] {
            let start = (0..<cols).map { Float($0) * 0.25 }
            let dst = try backend.tensor(start, shape: [1, cols]).matrix
            backend.sumRows(src, into: dst, accumulate: accumulate)
            let got = try backend.download(dst.buffer, offset: 0, count: cols)
            var expected = accumulate ? start : [Float](repeating: 0, count: cols)
            for r in 0..<rows { for j in 0..<cols { expected[j] += values[r * ld + j] } }
            #expect(got == expected, "accumulate \(accumulate)")
        }
    }
}

import Foundation
import Synchronization
import Testing
import Recur
@testable import RecurCPU

/// Deterministic pseudo-random floats in [-1, 1) (a 64-bit LCG; tests must not depend on seeds
/// drawn at run time).
private struct TestRandom {
    var state: UInt64
    mutating func next() -> Float {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(Int64(bitPattern: state >> 11) % (1 << 24)) / Float(1 << 23) - 1
    }
}

/// One GEMM case: shapes, transposes, scalars, and padding added to the leading dimensions.
private struct GemmCase: CustomTestStringConvertible {
    var m: Int, n: Int, k: Int
    var transA = false, transB = false
    var alpha: Float = 1, beta: Float = 0
    var pad = 0
    var nanC = false

    var testDescription: String {
        "\(m)x\(n)x\(k) \(transA ? "T" : "N")\(transB ? "T" : "N") alpha=\(alpha) beta=\(beta) pad=\(pad)\(nanC ? " NaN-C" : "")"
    }
}

/// The naive product's terms for every element of C, summed in double: sum_p a_ip b_pj and
/// sum_p |a_ip b_pj| (row-major m x n).
private struct Products {
    var sum: [Double]
    var magnitude: [Double]

    init(_ t: GemmCase, a: [Float], lda: Int, b: [Float], ldb: Int) {
        var sum = [Double](repeating: 0, count: t.m * t.n), magnitude = sum
        // Through buffer pointers: in a debug build, array subscripts in this triple loop took most
        // of the GEMM tests' time.
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                for i in 0..<t.m {
                    for j in 0..<t.n {
                        var s = 0.0, m = 0.0
                        for p in 0..<t.k {
                            let product = Double(t.transA ? a[p * lda + i] : a[i * lda + p])
                                * Double(t.transB ? b[j * ldb + p] : b[p * ldb + j])
                            s += product
                            m += abs(product)
                        }
                        sum[i * t.n + j] = s
                        magnitude[i * t.n + j] = m
                    }
                }
            }
        }
        self.sum = sum
        self.magnitude = magnitude
    }
}

/// Products already computed, by shape, transposes, padding and seed: A and B depend on nothing
/// else, so one table of checks (alpha, beta, kernels) needs the naive product once.
private final class ProductCache {
    var products: [String: Products] = [:]
}

/// Runs `sgemm` on random data and checks every element of C against a double-accumulated naive
/// product, within 1e-5 + 1e-5 * (|alpha| * sum_p |a_ip b_pj| + |beta c_ij|): float rounding grows
/// with the magnitudes summed, not with the (possibly cancelling) result.
private func check(_ t: GemmCase, pool: ThreadPool = .shared, seed: UInt64 = 1, kernels: CPUKernels = .best,
                   blocking: GEMMBlocking = .machine, cache: ProductCache? = nil) {
    var rng = TestRandom(state: seed &+ UInt64(t.m * 1_000_003 + t.n * 1009 + t.k))
    // Stored shapes: A is m x k (k x m when transposed), B is k x n (n x k when transposed).
    let aRows = t.transA ? t.k : t.m, aCols = t.transA ? t.m : t.k
    let bRows = t.transB ? t.n : t.k, bCols = t.transB ? t.k : t.n
    let lda = aCols + t.pad, ldb = bCols + t.pad, ldc = t.n + t.pad
    let a = (0..<max(1, aRows * lda)).map { _ in rng.next() }
    let b = (0..<max(1, bRows * ldb)).map { _ in rng.next() }
    var c = (0..<max(1, t.m * ldc)).map { _ in t.nanC ? Float.nan : rng.next() }
    let c0 = c

    // The checked form, given exactly the buffers: valid arguments must never be refused.
    do {
        try a.withUnsafeBufferPointer { ap in
            try b.withUnsafeBufferPointer { bp in
                try c.withUnsafeMutableBufferPointer { cp in
                    try CPUGemm.sgemm(transA: t.transA, transB: t.transB, m: t.m, n: t.n, k: t.k,
                                      alpha: t.alpha, a: ap, lda: lda, b: bp, ldb: ldb, beta: t.beta, c: cp, ldc: ldc,
                                      pool: pool, kernels: kernels, blocking: blocking)
                }
            }
        }
    } catch {
        Issue.record("\(t.testDescription) \(kernels) \(blocking): sgemm refused valid arguments: \(error)")
        return
    }

    let key = "\(t.m) \(t.n) \(t.k) \(t.transA) \(t.transB) \(t.pad) \(seed)"
    let products = cache?.products[key] ?? Products(t, a: a, lda: lda, b: b, ldb: ldb)
    cache?.products[key] = products
    var failures = 0
    for i in 0..<t.m {
        for j in 0..<t.n {
            let sum = products.sum[i * t.n + j], magnitude = products.magnitude[i * t.n + j]
            let old = Double(c0[i * ldc + j])
            let betaTerm = t.beta == 0 ? 0 : Double(t.beta) * old
            let ref = Double(t.alpha) * sum + betaTerm
            let tol = 1e-5 + 1e-5 * (abs(Double(t.alpha)) * magnitude + abs(betaTerm))
            let got = Double(c[i * ldc + j])
            if !(abs(got - ref) <= tol) {
                failures += 1
                if failures <= 3 {
                    Issue.record("\(t.testDescription) \(kernels) \(blocking): C[\(i),\(j)] = \(got), expected \(ref) (tol \(tol))")
                }
            }
        }
        // The padding between rows of C belongs to the caller and must be untouched.
        for j in t.n..<ldc where i * ldc + j < c.count {
            let before = c0[i * ldc + j], after = c[i * ldc + j]
            if !(before == after || (before.isNaN && after.isNaN)) {
                failures += 1
                Issue.record("\(t.testDescription): padding C[\(i),\(j)] was overwritten")
            }
        }
    }
    #expect(failures == 0, "\(t.testDescription) \(kernels) \(blocking)")
}

private let transposes = [(false, false), (false, true), (true, false), (true, true)]

/// Shapes that exercise: 1x1x1, odd sizes everywhere (edge tiles in both directions), one k step,
/// exactly one micro-tile, several cache blocks of k (KC is 512 or less on every machine), the GEMV paths (m == 1 or
/// n == 1), the few-rows path (m from 2 to 16, odd m, n not a multiple of its blocks) and the
/// 512-bit 12 x 32 tiles (whole, and next to 6 x 16 edge tiles in both directions), and C blocks of
/// one row block (up to MC rows: B packed one panel pair at a time) over several k blocks.
private let shapes: [(Int, Int, Int)] = [
    (1, 1, 1), (2, 3, 4), (13, 37, 29), (6, 16, 1), (6, 16, 8), (7, 17, 9), (40, 40, 40),
    (1, 37, 29), (1, 200, 3), (1, 130, 300), (29, 1, 37), (150, 1, 70),
    (64, 96, 77), (97, 130, 61), (12, 33, 300), (2, 64, 513),
    (3, 70, 45), (4, 100, 17), (5, 37, 29), (16, 45, 33), (17, 40, 9),
    (24, 64, 260), (25, 70, 300), (36, 100, 513), (60, 300, 600), (96, 45, 300),
    // Columns in pairs of panels: with A^T and the 512-bit tiles, the full 12-row tiles read A in
    // place and only the rest of each row block is packed; columns that end in a partial pair
    // (16, 48: one panel of it; 17, 70: a partial panel) pack all of A.
    (100, 64, 300), (130, 32, 520), (12, 96, 7), (24, 16, 70), (36, 48, 100), (48, 17, 33), (60, 70, 530),
]

@Suite("CPU SGEMM")
struct GEMMTests {
    @Test("all transposes, shapes and scalars", arguments: transposes)
    func allShapes(transA: Bool, transB: Bool) {
        let cache = ProductCache()
        for (m, n, k) in shapes {
            for (alpha, beta): (Float, Float) in [(1, 0), (-0.5, 1), (1, 0.3), (-0.5, 0.3)] {
                for kernels in CPUKernels.supported {
                    check(GemmCase(m: m, n: n, k: k, transA: transA, transB: transB, alpha: alpha, beta: beta),
                          kernels: kernels, cache: cache)
                }
            }
        }
    }

    /// Blocks from the smallest caches (MC 12, KC 64, NC 256: every shape here crosses several
    /// blocks each way, with ragged last ones), from the fallback machine's and from large ones
    /// (KC 512, MC 504): the blocking a machine reports must never change the product.
    @Test("any blocking the caches call for", arguments: [
        CPUCaches(l1Data: 1 << 10, l2: 4 << 10, l3PerCore: 16 << 10), .fallback,
        CPUCaches(l1Data: 64 << 10, l2: 4 << 20, l3PerCore: 64 << 20),
    ])
    func blockings(caches: CPUCaches) {
        let blocking = GEMMBlocking(caches: caches)
        for (m, n, k) in [(100, 300, 200), (37, 600, 130), (130, 520, 70), (25, 70, 300), (3, 290, 75)] {
            for (transA, transB) in transposes {
                for kernels in CPUKernels.supported {
                    check(GemmCase(m: m, n: n, k: k, transA: transA, transB: transB, alpha: -0.5, beta: 0.3),
                          kernels: kernels, blocking: blocking)
                }
            }
        }
    }

    @Test("leading dimensions larger than the rows", arguments: transposes)
    func paddedLeadingDimensions(transA: Bool, transB: Bool) {
        for (m, n, k) in [(13, 37, 29), (1, 45, 20), (33, 1, 17), (70, 50, 90), (40, 64, 90)] {
            for kernels in CPUKernels.supported {
                check(GemmCase(m: m, n: n, k: k, transA: transA, transB: transB, alpha: -0.5, beta: 0.3, pad: 5),
                      kernels: kernels)
                check(GemmCase(m: m, n: n, k: k, transA: transA, transB: transB, beta: 1, pad: 3), kernels: kernels)
            }
        }
    }

    @Test("beta == 0 ignores NaN in C", arguments: transposes)
    func betaZeroIgnoresNaN(transA: Bool, transB: Bool) {
        for (m, n, k) in [(13, 37, 29), (1, 50, 33), (21, 1, 10), (64, 70, 300), (5, 7, 0)] {
            for kernels in CPUKernels.supported {
                check(GemmCase(m: m, n: n, k: k, transA: transA, transB: transB, beta: 0, pad: 2, nanC: true),
                      kernels: kernels)
            }
        }
    }

    @Test("k == 0 scales C by beta")
    func emptyK() {
        for beta: Float in [0, 1, 0.3] {
            for (m, n) in [(1, 1), (3, 5), (17, 40)] {
                check(GemmCase(m: m, n: n, k: 0, alpha: 2, beta: beta, pad: 1))
            }
        }
    }

    @Test("large enough to run in parallel, on pools of 1, 2, 3, 4, 5 and 8 threads")
    func parallelSizes() throws {
        let cache = ProductCache()
        for threads in [1, 2, 3, 4, 5, 8] {
            let pool = try ThreadPool(threads: threads)
            for (ta, tb) in transposes {
                for kernels in CPUKernels.supported {
                    check(GemmCase(m: 120, n: 200, k: 150, transA: ta, transB: tb, alpha: 1, beta: 0.3), pool: pool, kernels: kernels, cache: cache)
                    check(GemmCase(m: 200, n: 70, k: 130, transA: ta, transB: tb, alpha: -0.5, beta: 0), pool: pool, kernels: kernels, cache: cache)
                    check(GemmCase(m: 1, n: 200, k: 200, transA: ta, transB: tb, alpha: 1, beta: 1), pool: pool, kernels: kernels, cache: cache)
                    check(GemmCase(m: 200, n: 1, k: 200, transA: ta, transB: tb, alpha: 1, beta: 0), pool: pool, kernels: kernels, cache: cache)
                    check(GemmCase(m: 3, n: 190, k: 120, transA: ta, transB: tb, alpha: 1, beta: 0.3), pool: pool, kernels: kernels, cache: cache)
                    check(GemmCase(m: 13, n: 130, k: 70, transA: ta, transB: tb, alpha: -0.5, beta: 1), pool: pool, kernels: kernels, cache: cache)
                }
            }
        }
    }

    @Test("alpha == 0 scales C by beta without reading A or B")
    func zeroAlpha() throws {
        let a = [Float](repeating: .nan, count: 12), b = [Float](repeating: .nan, count: 12)
        var c: [Float] = (0..<9).map(Float.init)
        try c.withUnsafeMutableBufferPointer { cp in
            try CPUGemm.sgemm(transA: false, transB: false, m: 3, n: 3, k: 4, alpha: 0, a: a, lda: 4,
                          b: b, ldb: 3, beta: 0.5, c: cp.baseAddress!, ldc: 3)
        }
        #expect(c == (0..<9).map { Float($0) * 0.5 })
    }

    @Test("results do not depend on the number of threads", arguments: transposes)
    func threadCountIndependence(transA: Bool, transB: Bool) throws {
        // Every element of C is summed in the same order whatever the split, so bit-for-bit equal.
        var rng = TestRandom(state: 7)
        for (m, n, k) in [(1, 300, 200), (300, 1, 200), (5, 300, 200), (150, 170, 300)] {
            let a = (0..<(m * k)).map { _ in rng.next() }
            let b = (0..<(k * n)).map { _ in rng.next() }
            var results: [[Float]] = []
            for threads in [1, 2, 3, 4, 5, 8] {
                let pool = try ThreadPool(threads: threads)
                var c = [Float](repeating: 0, count: m * n)
                try c.withUnsafeMutableBufferPointer { cp in
                    try CPUGemm.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1,
                                  a: a, lda: transA ? m : k, b: b, ldb: transB ? k : n,
                                  beta: 0, c: cp.baseAddress!, ldc: n, pool: pool)
                }
                results.append(c)
            }
            #expect(results.allSatisfy { $0 == results[0] }, "\(m)x\(n)x\(k)")
        }
    }

    @Test("a one-row operand may carry any leading dimension")
    func oneRowViews() throws {
        // A is 1 x 3 (ld 0), B is 3 x 2 (ld 2), C is 1 x 2 (ld 0): C = [1 2 3] * B.
        let a: [Float] = [1, 2, 3], b: [Float] = [1, 2, 3, 4, 5, 6]
        var c: [Float] = [0, 0]
        try c.withUnsafeMutableBufferPointer { cp in
            try CPUGemm.sgemm(transA: false, transB: false, m: 1, n: 2, k: 3, alpha: 1, a: a, lda: 0,
                          b: b, ldb: 2, beta: 0, c: cp.baseAddress!, ldc: 0)
        }
        #expect(c == [22, 28])
    }

    @Test("empty m or n leaves C alone")
    func emptyOutput() throws {
        var c: [Float] = [7]
        let a: [Float] = [1], b: [Float] = [1]
        try c.withUnsafeMutableBufferPointer { cp in
            try CPUGemm.sgemm(transA: false, transB: false, m: 0, n: 1, k: 1, alpha: 1, a: a, lda: 1,
                          b: b, ldb: 1, beta: 0, c: cp.baseAddress!, ldc: 1)
            try CPUGemm.sgemm(transA: false, transB: false, m: 1, n: 0, k: 1, alpha: 1, a: a, lda: 1,
                          b: b, ldb: 1, beta: 0, c: cp.baseAddress!, ldc: 1)
        }
        #expect(c == [7])
    }
}

@Suite("ThreadPool")
struct ThreadPoolTests {
    /// Counts visits per index with atomics and checks each index ran exactly once.
    private func visitsOnce(_ pool: ThreadPool, count: Int) -> Bool {
        let hits = (0..<max(count, 1)).map { _ in AtomicCounter() }
        pool.parallelFor(count) { i in hits[i].value.wrappingAdd(1, ordering: .relaxed) }
        return (0..<count).allSatisfy { hits[$0].value.load(ordering: .relaxed) == 1 }
            && (count > 0 || hits[0].value.load(ordering: .relaxed) == 0)
    }

    @Test("every index exactly once", arguments: [1, 2, 3, 4])
    func exactlyOnce(threads: Int) throws {
        let pool = try ThreadPool(threads: threads)
        #expect(pool.threadCount == threads)
        for count in [0, 1, 2, 3, threads, threads + 1, 64, 1000, 10_000] {
            #expect(visitsOnce(pool, count: count), "threads \(threads), count \(count)")
        }
    }

    /// More threads than this machine's cores: a worker is often preempted between two steps of
    /// the hand-out protocol, which is where a late worker of one job used to wake the caller of
    /// the next (`PoolState`'s note) and `parallelFor` returned with indices not yet run. The check
    /// runs the moment `parallelFor` returns.
    @Test("oversubscribed: every index has run when parallelFor returns", arguments: [3, 4, 5, 8])
    func oversubscribed(threads: Int) throws {
        let pool = try ThreadPool(threads: threads)
        var failures = 0
        for round in 0..<20_000 {
            if !visitsOnce(pool, count: 1 + round % (2 * threads)) { failures += 1 }
        }
        #expect(failures == 0, "\(threads) threads: \(failures) of 20000 jobs returned early")
    }

    /// The race behind `PoolState`'s invariant, replayed. Every spin lasts 50 ms, so the caller
    /// sees job A end by spinning and sleeps on job B only after 50 ms. The worker that counts A's
    /// last index stalls 80 ms before waking anyone; meanwhile the caller returns from A, starts B,
    /// runs out of indices while a worker holds one for 150 ms, and sleeps. When the stalled
    /// worker wakes the sleeping caller for A's sake, B returns with that index unfinished.
    @Test("a late worker of one job cannot end the next", arguments: [3, 4, 8])
    func lateWorkerOfEarlierJob(threads: Int) {
        let caller = pthread_self()
        let onWorker = { @Sendable in pthread_equal(pthread_self(), caller) == 0 }
        let stallNext = Atomic<Bool>(false)
        let hooks = PoolTestHooks(beforeWakingCaller: {
            if onWorker(), stallNext.exchange(false, ordering: .relaxed) { usleep(80_000) }
        })
        let pool = ThreadPool(threads: threads, spinNanoseconds: 50_000_000, hooks: hooks)
        for round in 0..<3 {
            stallNext.store(true, ordering: .relaxed)
            // Job A: one index a thread, held at once; the workers' outlast the caller's.
            let arrived = Atomic<Int>(0)
            let ranAtOnce = pool.parallelForAllAtOnce(threads) { _ in
                arrived.wrappingAdd(1, ordering: .relaxed)
                while arrived.load(ordering: .relaxed) < threads { sched_yield() }
                if onWorker() { usleep(2_000) }
            }
            #expect(ranAtOnce)
            let hits = (0..<(4 * threads)).map { _ in AtomicCounter() }
            let workerIndices = Atomic<Int>(0)
            // Job B: once a worker holds an index, the caller runs the rest at once.
            pool.parallelFor(hits.count) { i in
                if onWorker() {
                    workerIndices.wrappingAdd(1, ordering: .relaxed)
                    usleep(150_000)
                } else {
                    while workerIndices.load(ordering: .relaxed) == 0 { sched_yield() }
                }
                hits[i].value.wrappingAdd(1, ordering: .relaxed)
            }
            let unfinished = hits.filter { $0.value.load(ordering: .relaxed) != 1 }.count
            #expect(unfinished == 0, "round \(round): B returned with \(unfinished) of \(hits.count) indices not run")
        }
    }

    /// The second invariant of `PoolState`, replayed: after job A (one index a thread) a worker
    /// reads A's final claim word (index == count, nothing left) and stalls; the caller publishes job
    /// B's larger count and lets it go on before opening B. The worker must not claim that index on
    /// B's count: it ran B's body for it once more and counted it in B's `done`.
    @Test("a late worker cannot claim against the next job's count", arguments: [3, 4, 8])
    func lateWorkerAgainstNextCount(threads: Int) {
        let caller = pthread_self()
        let onWorker = { @Sendable in pthread_equal(pthread_self(), caller) == 0 }
        let workerArmed = Flag(), callerArmed = Flag(), parked = Flag(), published = Flag()
        // Waits at most a second: a scheduler that never runs the other thread makes a round
        // inconclusive (counted below), not a hang.
        let waitFor = { @Sendable (_ flag: Flag) -> Bool in
            for _ in 0..<10_000 where !flag.value.load(ordering: .acquiring) { usleep(100) }
            return flag.value.load(ordering: .acquiring)
        }
        var hooks = PoolTestHooks()
        hooks.afterReadingClaim = { index in
            guard onWorker(), index == threads, workerArmed.value.exchange(false, ordering: .acquiringAndReleasing) else { return }
            parked.value.store(true, ordering: .releasing)
            _ = waitFor(published)
        }
        hooks.whilePublishingJob = {
            guard callerArmed.value.exchange(false, ordering: .acquiringAndReleasing) else { return }
            published.value.store(true, ordering: .releasing)
            usleep(20_000)  // the parked worker reads B's count and tries its exchange now
        }
        let pool = ThreadPool(threads: threads, spinNanoseconds: 50_000_000, hooks: hooks)
        var conclusive = 0
        for round in 0..<5 {
            parked.value.store(false, ordering: .relaxed)
            published.value.store(false, ordering: .relaxed)
            workerArmed.value.store(true, ordering: .releasing)
            let arrived = Atomic<Int>(0)
            #expect(pool.parallelForAllAtOnce(threads) { _ in
                arrived.wrappingAdd(1, ordering: .relaxed)
                while arrived.load(ordering: .relaxed) < threads { sched_yield() }
            })
            // A's claim word stays as it is until B starts, so a worker reads it and parks.
            if waitFor(parked) { conclusive += 1 }
            workerArmed.value.store(false, ordering: .releasing)
            callerArmed.value.store(true, ordering: .releasing)
            let hits = (0..<(threads + 5)).map { _ in AtomicCounter() }
            pool.parallelFor(hits.count) { i in hits[i].value.wrappingAdd(1, ordering: .relaxed) }
            callerArmed.value.store(false, ordering: .releasing)
            let wrong = (0..<hits.count).filter { hits[$0].value.load(ordering: .relaxed) != 1 }
            #expect(wrong.isEmpty, "round \(round): B's indices \(wrong) did not run exactly once")
        }
        #expect(conclusive >= 1, "no round parked a worker on A's final claim word")
    }

    @Test("serial reuse many times")
    func serialReuse() throws {
        let pool = try ThreadPool(threads: 2)
        var ok = true
        for round in 0..<5000 {
            ok = ok && visitsOnce(pool, count: 1 + round % 7)
        }
        #expect(ok)
    }

    @Test("nested calls run without deadlock")
    func nested() throws {
        let pool = try ThreadPool(threads: 2)
        let total = AtomicCounter()
        for _ in 0..<200 {
            pool.parallelFor(4) { _ in
                pool.parallelFor(5) { _ in
                    total.value.wrappingAdd(1, ordering: .relaxed)
                }
            }
        }
        #expect(total.value.load(ordering: .relaxed) == 200 * 4 * 5)
    }

    @Test("calls from two threads at once")
    func concurrentCallers() async throws {
        let pool = try ThreadPool(threads: 2)
        let total = AtomicCounter()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<300 {
                        pool.parallelFor(6) { _ in total.value.wrappingAdd(1, ordering: .relaxed) }
                    }
                }
            }
        }
        #expect(total.value.load(ordering: .relaxed) == 4 * 300 * 6)
    }

    @Test("a pool idle long enough for its workers to sleep still wakes them")
    func wakesAfterSleep() async throws {
        let pool = try ThreadPool(threads: 3)
        for _ in 0..<5 {
            #expect(visitsOnce(pool, count: 100))
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    @Test("the shared pool has at least one thread")
    func sharedPool() {
        #expect(ThreadPool.shared.threadCount >= 1)
        #expect(visitsOnce(.shared, count: 37))
    }
}

private final class AtomicCounter: Sendable {
    let value = Atomic<Int>(0)
}

private final class Flag: Sendable {
    let value = Atomic<Bool>(false)
}

@Suite("CPU kernel choice")
struct KernelChoiceTests {
    @Test("a backend takes only kernels this CPU runs; AVX-512 ones where it has them")
    func backendKernels() throws {
        #expect(CPUKernels.supported.first == .avx2)
        #expect(try CPUBackend(threads: 1, kernels: .avx2).kernels == .avx2)
        if CPUKernels.supported.contains(.avx512) {
            #expect(try CPUBackend(threads: 1, kernels: .avx512).kernels == .avx512)
        } else {
            #expect(throws: RecurError.self) { try CPUBackend(threads: 1, kernels: .avx512) }
        }
    }
}

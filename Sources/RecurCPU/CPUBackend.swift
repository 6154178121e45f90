import Foundation
import Recur

/// The pure-Swift backend: the reference every other backend is tested against, and fast in its
/// own right (packed SIMD GEMM on every core, fused cell steps). Operations run synchronously on
/// the calling thread and the pool, so `synchronize` has nothing to wait for.
public final class CPUBackend: Backend {
    /// `Backend.name`: "cpu".
    public let name = "cpu"
    /// `Backend.memory`: the host memory this backend's buffers hold, now and at peak.
    public let memory = MemoryGauge()
    /// The threads its operations run on (`CPUBackendOptions.threads`).
    public let pool: ThreadPool
    /// How its recurrent time loops run.
    public let sequenceLoop: SequenceLoop
    /// The vector kernels of its GEMMs and time loops (`CPUKernels.best` unless chosen).
    public let kernels: CPUKernels
    /// Where its operations' times are added up, when profiling (`CPUBackendOptions.profile`).
    public let profile: OperationProfile?
    /// The caches its block sizes and split rules are derived from (`CPUBackendOptions.caches`).
    public let caches: CPUCaches
    /// Its GEMMs' cache blocking, from `caches`.
    public let gemmBlocking: GEMMBlocking
    /// The depth of one pass of the time loop's row-panel products, from `caches` (`RowPanelKernels`).
    let rowPanelDepth: Int

    /// How the recurrent time loops run (`RecurrentForwardSequence`).
    public enum SequenceLoop: Sendable {
        /// A persistent team of threads for the whole sequence, each owning a slice of the hidden
        /// units or a block of the batch's rows, whichever `TeamPlan` measured faster for the
        /// shape (the default).
        case team
        /// The team, always split by hidden units (one barrier per step).
        case teamByUnits
        /// The team, always split by batch rows where the batch has a row for each member.
        case teamByRows
        /// The definition: one recurrent GEMM and one cell step per time step.
        case perStep
    }

    /// A backend as `options` say. Throws `RecurError.invalidValue` for a thread count outside
    /// 1...`CPUBackendOptions.maximumThreads` and for kernels this CPU cannot run (the 512-bit ones would stop the process with an illegal
    /// instruction on a CPU without AVX-512).
    ///
    /// A thread count gives the backend a pool of its own rather than one shared by every backend
    /// that asks for the same count: a pool runs one job at a time, and a second caller's job runs
    /// serially on its own thread, a team's time loop on one member. Backends sharing a pool and
    /// running at once (tests in parallel, a program with a backend per task) would silently get
    /// fewer threads than they asked for. No count (the default) shares `ThreadPool.shared`, as
    /// the library has always done; its size is the machine's, never configured by a variable.
    public convenience init(options: CPUBackendOptions) throws(RecurError) {
        if let threads = options.threads, !(1...CPUBackendOptions.maximumThreads).contains(threads) {
            throw .invalidValue("a CPU backend runs on 1 to \(CPUBackendOptions.maximumThreads) threads, not \(threads)")
        }
        guard CPUKernels.supported.contains(options.kernels) else {
            throw .invalidValue(
                "this CPU cannot run the \(options.kernels.rawValue) kernels; it supports \(CPUKernels.supported.map(\.rawValue).joined(separator: ", "))")
        }
        self.init(checked: options)
    }

    /// `threads` threads (default: the shared pool, one thread per core) with the widest kernels
    /// the CPU runs (`CPUKernels.best`). A `threads` below 1 stops the process; `init(options:)`
    /// throws instead.
    public convenience init(threads: Int? = nil, sequenceLoop: SequenceLoop = .team) {
        self.init(checked: CPUBackendOptions(threads: threads, sequenceLoop: sequenceLoop))
    }

    /// As `init(threads:sequenceLoop:)` with the kernels chosen; they must be among
    /// `CPUKernels.supported`, else this throws (as `init(options:)`).
    public convenience init(threads: Int? = nil, sequenceLoop: SequenceLoop = .team, kernels: CPUKernels) throws {
        try self.init(options: CPUBackendOptions(threads: threads, sequenceLoop: sequenceLoop, kernels: kernels))
    }

    private init(checked options: CPUBackendOptions) {
        pool = options.threads.map { ThreadPool(checked: $0) } ?? .shared
        sequenceLoop = options.sequenceLoop
        kernels = options.kernels
        profile = options.profile
        caches = options.caches
        gemmBlocking = GEMMBlocking(caches: options.caches)
        rowPanelDepth = RowPanelKernels.depth(l1Data: options.caches.l1Data)
    }

    /// `Backend.deviceDescription`: the CPU's model, the threads, the kernels and the time loop.
    public var deviceDescription: String {
        let loop: String
        switch sequenceLoop {
        case .team: loop = "team"
        case .teamByUnits: loop = "team by units"
        case .teamByRows: loop = "team by rows"
        case .perStep: loop = "per-step"
        }
        return "\(CPUInfo.modelName), \(pool.threadCount) thread\(pool.threadCount == 1 ? "" : "s"), \(kernels.rawValue) kernels, \(loop) time loop"
    }

    // MARK: Memory

    /// The machine's physical memory: a buffer beyond what is left of it after this backend's
    /// buffers is refused before the system is asked (Linux would grant it lazily, then kill the
    /// process as the zero fill touches the pages).
    public var deviceMemory: DeviceMemory { .host(device: "the CPU (\(CPUInfo.modelName))") }

    /// `Backend.makeBuffer`: zero-filled, 64-byte aligned host memory, checked against `deviceMemory` first.
    public func makeBuffer(count: Int) throws -> any DeviceBuffer {
        try makeBuffer(count: count, zeroed: true)
    }

    /// `Backend.makeScratchBuffer`: as `makeBuffer`, without the zero fill.
    public func makeScratchBuffer(count: Int) throws -> any DeviceBuffer {
        try makeBuffer(count: count, zeroed: false)
    }

    private func makeBuffer(count: Int, zeroed: Bool) throws -> CPUBuffer {
        let device = deviceMemory
        _ = try device.checkBuffer(count: count, inUse: memory.bytesInUse)
        return try CPUBuffer(count: count, gauge: memory, zeroed: zeroed, device: device)
    }

    /// `Backend.owns`: any `CPUBuffer`, whichever CPU backend made it.
    public func owns(_ buffer: any DeviceBuffer) -> Bool { buffer is CPUBuffer }

    /// `Backend.upload`: a copy into host memory; a foreign buffer or a range past its end throws.
    public func upload(_ values: [Float], to buffer: any DeviceBuffer, offset: Int) throws {
        let dst = try checked(buffer, offset: offset, count: values.count)
        values.withUnsafeBufferPointer { src in
            guard let base = src.baseAddress else { return }
            (dst.floats + offset).update(from: base, count: values.count)
        }
    }

    /// `Backend.upload` of Int32 values (indices, targets, lengths), copied bit for bit.
    public func upload(_ values: [Int32], to buffer: any DeviceBuffer, offset: Int) throws {
        let dst = try checked(buffer, offset: offset, count: values.count)
        values.withUnsafeBufferPointer { src in
            guard let base = src.baseAddress else { return }
            (dst.ints + offset).update(from: base, count: values.count)
        }
    }

    /// `Backend.download`: a copy, with nothing queued to wait for.
    public func download(_ buffer: any DeviceBuffer, offset: Int, count: Int) throws -> [Float] {
        let src = try checked(buffer, offset: offset, count: count)
        return Array(UnsafeBufferPointer(start: src.floats + offset, count: count))
    }

    /// `Backend.synchronize`: nothing to do, as every operation has finished when it returns.
    public func synchronize() throws {}

    /// `Backend.makeHostStaging`: host memory like a buffer's (aligned, pooled, on the gauge).
    public func makeHostStaging(count: Int) throws -> any HostStaging {
        let device = deviceMemory
        _ = try device.checkBuffer(count: count, inUse: memory.bytesInUse)
        return CPUHostStaging(buffer: try CPUBuffer(count: count, gauge: memory, zeroed: true, device: device))
    }

    /// `Backend.enqueueRead`: a copy, done when it returns.
    public func enqueueRead(_ buffer: any DeviceBuffer, offset: Int, count: Int, into staging: any HostStaging, at index: Int) throws {
        let src = try checked(buffer, offset: offset, count: count)
        try checkStagingRange(staging, at: index, count: count)
        guard count > 0, let base = staging.values.baseAddress else { return }
        (base + index).update(from: src.floats + offset, count: count)
    }

    /// `Backend.enqueueWrite`: a copy, done when it returns.
    public func enqueueWrite(from staging: any HostStaging, at index: Int, count: Int, to buffer: any DeviceBuffer, offset: Int) throws {
        let dst = try checked(buffer, offset: offset, count: count)
        try checkStagingRange(staging, at: index, count: count)
        guard count > 0, let base = staging.values.baseAddress else { return }
        (dst.floats + offset).update(from: base + index, count: count)
    }

    private func checked(_ buffer: any DeviceBuffer, offset: Int, count: Int) throws -> CPUBuffer {
        guard let cpu = buffer as? CPUBuffer else {
            throw RecurError.foreignTensor("a buffer of another backend")
        }
        guard offset >= 0, count >= 0, offset + count <= cpu.count else {
            throw RecurError.invalidValue(
                "elements \(offset)..<\(offset + count) are outside a buffer of \(cpu.count) elements")
        }
        return cpu
    }

    // MARK: Dense algebra

    /// `Backend.fill`: row by row on the calling thread.
    public func fill(_ dst: Matrix, value: Float) {
        profiled("fill") {
            let base = dst.base
            for r in 0..<dst.rows {
                (base + r * dst.ld).update(repeating: value, count: dst.cols)
            }
        }
    }

    /// `Backend.copy`: one copy for contiguous views, else row by row, on the calling thread.
    public func copy(_ src: Matrix, to dst: Matrix) {
        precondition(src.rows == dst.rows && src.cols == dst.cols, "copy between views of different shapes")
        let from = src.base, to = dst.base
        profiled("copy") {
            if src.isContiguous && dst.isContiguous {
                to.update(from: from, count: src.rows * src.cols)
                return
            }
            for r in 0..<src.rows {
                (to + r * dst.ld).update(from: from + r * src.ld, count: src.cols)
            }
        }
    }

    /// `Backend.gemm` on the CPU: packed SIMD tiles on the thread pool (`CPUGemm`), with `kernels`.
    public func gemm(transA: Bool, transB: Bool, alpha: Float, _ a: Matrix, _ b: Matrix, beta: Float, _ c: Matrix) {
        let m = transA ? a.cols : a.rows, k = transA ? a.rows : a.cols
        let n = transB ? b.rows : b.cols
        precondition((transB ? b.cols : b.rows) == k && c.rows == m && c.cols == n, "gemm shapes disagree")
        profiled(gemmRow(m: m, n: n, k: k, transA: transA, transB: transB)) {
            CPUGemm.unchecked(
                transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                a: UnsafePointer(a.base), lda: a.ld, b: UnsafePointer(b.base), ldb: b.ld,
                beta: beta, c: c.base, ldc: c.ld, pool: pool, kernels: kernels, blocking: gemmBlocking)
        }
    }

    /// The profile's row for a GEMM: one row, or one per shape (`OperationProfile.byShape`).
    private func gemmRow(m: Int, n: Int, k: Int, transA: Bool, transB: Bool) -> String {
        guard profile?.byShape == true else { return "gemm" }
        return "gemm \(m)x\(n)x\(k)" + (transA ? " A^T" : "") + (transB ? " B^T" : "")
    }

    /// `Backend.sumRows`: each column's rows added in order (the same sums whatever the threads),
    /// the columns shared among the pool's threads in blocks of 16 when the matrix is large.
    ///
    /// The bias gradients of lstm-charlm sum 3200 x 2048 gate gradients, 26 MB that no longer fit
    /// in cache: 2.5 ms on one thread (10 GB/s), twice a training step.
    public func sumRows(_ src: Matrix, into dst: Matrix, accumulate: Bool) {
        precondition(dst.rows == 1 && dst.cols == src.cols, "sumRows into a view of the wrong width")
        let out = dst.base, from = src.base, rows = src.rows, cols = src.cols, ld = src.ld
        func sum(_ columns: Range<Int>) {
            if !accumulate { (out + columns.lowerBound).update(repeating: 0, count: columns.count) }
            for r in 0..<rows {
                let row = from + r * ld
                for j in columns { out[j] += row[j] }
            }
        }
        profiled("sumRows") {
            let threads = rows * cols >= Self.parallelSumMinElements ? min(pool.threadCount, cols / 16) : 1
            guard threads > 1 else { return sum(0..<cols) }
            let chunk = (cols / threads + 15) / 16 * 16
            pool.parallelFor((cols + chunk - 1) / chunk) { t in sum(t * chunk..<min(cols, (t + 1) * chunk)) }
        }
    }

    /// From this many elements (256 KiB of floats) `sumRows` shares its columns among the threads.
    static let parallelSumMinElements = 1 << 16

    /// `Backend.axpy`: row by row on the calling thread.
    public func axpy(alpha: Float, _ x: Matrix, _ y: Matrix) {
        profiled("axpy") {
            precondition(x.rows == y.rows && x.cols == y.cols, "axpy between views of different shapes")
            for r in 0..<x.rows {
                let from = x.base + r * x.ld, to = y.base + r * y.ld
                for j in 0..<x.cols { to[j] += alpha * from[j] }
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Recur

/// The OpenCL backend: every tensor of a training step lives in device memory, every operation is
/// a kernel launch on one in-order queue, and the host waits only when it reads a value
/// (`download`) or asks to (`synchronize`).
public final class OpenCLBackend: Backend {
    /// `Backend.name`: "opencl".
    public let name = "opencl"
    /// The device its context and queue run on.
    public let device: Device
    let context: Context
    let queue: CommandQueue
    let tuning: GEMMTuning
    /// Where `tuning` came from: the defaults, the tuning cache, or a cache file that was ignored (and why).
    public let gemmTuningSource: TuningSource
    /// Stands in for absent optional arguments (no bias, no lengths); kernels are told not to read it.
    let dummy: Buffer
    /// Scratch buffers, grown on demand and reused: the queue is in order, so a later operation's
    /// kernels run after every kernel that read the scratch before.
    var scratch: [ScratchRole: Buffer] = [:]
    /// Packed forms of B operands that stay constant over many GEMMs (the weights within a pass).
    let packCache = PackCache(capacity: 16)
    /// Freed buffers' memory, reused for the next buffers of the same sizes (every training step
    /// makes the same ones).
    let recycler: BufferRecycler
    /// How the recurrent time loops run (OpenCLBackend+Sequence.swift).
    public let sequenceLoop: SequenceLoop
    /// Which paths the device's self-test found right: no other is ever chosen.
    public let qualification: PathQualification
    /// Queues besides `queue` for the whole-sequence loop's parts of rows (OpenCLBackend+RowParts.swift),
    /// made on first use: one per compute unit after the first.
    var sideQueues: [CommandQueue] = []
    /// The unit parts a whole-sequence launch over a small batch asks for (`UnitParts`); nil: one
    /// per compute unit, on devices with several. Tests force more parts than the device runs at
    /// once, and parts on a device that runs its groups one after the other.
    let unitPartsWanted: Int?
    /// Work-items per row of the loss kernels (`Reduction.rowWidth` for the device); tests set the
    /// other width to cover both kernel paths on one device.
    lazy var lossRowWidth = Reduction.rowWidth(for: device.kind)
    /// Columns a work-item of the layer-norm row kernels takes at a time (`LayerNormKernels.unitWidth`);
    /// tests set the other widths (1, 8, 16) to cover every path on one device.
    lazy var layerNormUnitWidth = LayerNormKernels.unitWidth(for: device)

    /// The recurrent time loop of one layer direction.
    public enum SequenceLoop: String, Sendable, CaseIterable {
        /// On CPU devices the whole-sequence loop for every batch; elsewhere fused for small batches
        /// (`fusedBatchLimit`) and per step for larger ones.
        case automatic
        /// One fused kernel per time step (forward and backward), whatever the batch.
        case fused
        /// One recurrent GEMM and one cell kernel per time step on one queue, whatever the batch.
        case perStep = "per-step"
        /// One kernel per layer direction runs the whole time loop (forward and backward), one
        /// work-group per compute unit's share of the batch (OpenCLBackend+WholeSequence.swift),
        /// whatever the batch, on devices whose GEMMs take the packed path; per step elsewhere.
        case sequence
    }

    /// A backend as `options` say: on the device `options.device` names (an index or part of a
    /// name; nil: the first GPU, else the first CPU device), with the GEMM parameters of the
    /// device's entry in `options.tuningCache` when there is a valid one, else the defaults.
    ///
    /// The first backend on a device in a process runs its self-test (`PathSelfTest`, a second or
    /// two) unless `options.qualificationCache` holds its verdicts: a GEMM path or time loop that
    /// failed it is never chosen, and forcing one is an `OpenCLError.notQualified`.
    public convenience init(options: OpenCLBackendOptions) throws {
        let device = try DeviceSelection.select(options.device)
        let qualification = PathQualifier.qualification(for: device, cache: options.qualificationCache)
        var (tuning, source) = options.tuningCache?.lookup(for: device) ?? (GEMMTuning.defaults(for: device.kind), .defaults)
        if !qualification.allows(tuning.path) {
            let reason = qualification.verdicts[tuning.path]?.reason ?? "not tested"
            tuning = tuning.packed ? GEMMTuning.tiled(for: device) : GEMMTuning(packed: true)
            guard qualification.allows(tuning.path) else {
                throw OpenCLError.notQualified(path: "every GEMM path", device: device.name, reason: reason)
            }
            source = .unqualified(path: tuning.packed ? .tiledGEMM : .packedGEMM, reason: reason)
        }
        try self.init(device: device, tuning: tuning, source: source, sequenceLoop: options.sequenceLoop,
                      profile: options.profile, qualification: qualification)
    }

    /// As `init(options:)` with only the device and the time loop chosen.
    public convenience init(device request: String? = nil, sequenceLoop: SequenceLoop = .automatic) throws {
        try self.init(options: OpenCLBackendOptions(device: request, sequenceLoop: sequenceLoop))
    }

    /// As `init(options:)`, with explicit GEMM parameters rather than the cache's (the options'
    /// `tuningCache` is not read): `rnn-bench tune` times its candidates this way. Throws
    /// `OpenCLError.invalidArgument` for parameters the device cannot run.
    public convenience init(options: OpenCLBackendOptions, gemmTuning: GEMMTuning) throws {
        let device = try DeviceSelection.select(options.device)
        if let problem = gemmTuning.problem(maxWorkGroupSize: device.maxWorkGroupSize, localMemoryBytes: device.localMemoryBytes) {
            throw OpenCLError.invalidArgument("GEMM tuning \(gemmTuning.summary): \(problem)")
        }
        let qualification = PathQualifier.qualification(for: device, cache: options.qualificationCache)
        try self.init(device: device, tuning: gemmTuning, source: .explicit, sequenceLoop: options.sequenceLoop,
                      profile: options.profile, qualification: qualification)
    }

    /// As `init(options:gemmTuning:)` with only the device chosen.
    public convenience init(device request: String? = nil, gemmTuning: GEMMTuning) throws {
        try self.init(options: OpenCLBackendOptions(device: request), gemmTuning: gemmTuning)
    }

    /// `programDefines`: `-D` defines every program of this backend is built with, on all its
    /// queues (tests force the 256-bit kernel paths on an AVX-512 device with them).
    /// `unitParts`: see `unitPartsWanted`. `profile`: see `OpenCLBackendOptions.profile`.
    /// `qualification`: the device's verdicts (nil: every path, untested: the self-test's and the
    /// path tests' own backends). Throws `notQualified` for a GEMM path or a forced loop it rules out.
    init(device: Device, tuning: GEMMTuning, source: TuningSource, sequenceLoop: SequenceLoop,
         programDefines: [String: String] = [:], unitParts: Int? = nil, profile: KernelProfile? = nil,
         qualification: PathQualification? = nil) throws {
        let qualification = qualification ?? .untested(device)
        try Self.checkQualified(tuning.path, qualification, device)
        switch sequenceLoop {
        case .fused: try Self.checkQualified(.fused, qualification, device)
        case .perStep: try Self.checkQualified(.perStep, qualification, device)
        case .sequence where device.kind == .cpu && tuning.packed:
            try Self.checkQualified(.wholeSequence, qualification, device)
        case .sequence, .automatic:
            if !qualification.allows(.fused) && !qualification.allows(.perStep) && !qualification.allows(.wholeSequence) {
                try Self.checkQualified(.perStep, qualification, device)
            }
        }
        self.qualification = qualification
        self.sequenceLoop = sequenceLoop
        unitPartsWanted = unitParts
        self.device = device
        recycler = BufferRecycler(limitBytes: min(1 << 30, device.globalMemoryBytes / 4))
        context = try Context.shared(for: device)
        queue = try CommandQueue(context: context, defines: programDefines, profile: profile)
        self.tuning = tuning
        gemmTuningSource = source
        dummy = try Buffer(context: context, count: 1)
    }

    private static func checkQualified(_ path: DevicePath, _ qualification: PathQualification, _ device: Device) throws(OpenCLError) {
        guard !qualification.allows(path) else { return }
        throw .notQualified(path: path.rawValue, device: device.name,
                            reason: qualification.verdicts[path]?.reason ?? "not applicable to a \(device.kind.rawValue) device")
    }

    /// The GEMM parameters in use.
    public var gemmTuning: GEMMTuning { tuning }

    /// Where its launches' device times are added up, when profiling (`OpenCLBackendOptions.profile`).
    public var profile: KernelProfile? { queue.profile }

    /// The device, and the time loop `.automatic` (or the forced loop) runs on it, so that bench
    /// tables say which ran: "whole-sequence" on CPU devices, "fused/per-step" (by batch) on GPUs.
    public var deviceDescription: String {
        let loop: String
        switch sequenceLoop {
        case .automatic:
            let stepLoops = [DevicePath.fused, .perStep].filter(qualification.allows).map(\.rawValue).joined(separator: "/")
            loop = runsWholeSequences ? "whole-sequence" : stepLoops
        case .sequence: loop = runsWholeSequences ? "whole-sequence" : "per-step"
        case .fused: loop = "fused"
        case .perStep: loop = "per-step"
        }
        return "\(device.summary), \(loop) time loop"
    }

    /// The context's buffers (this backend's, and any other backend's on the same device).
    public var memory: MemoryGauge { context.memory }

    // MARK: Memory

    /// CL_DEVICE_GLOBAL_MEM_SIZE, and CL_DEVICE_MAX_MEM_ALLOC_SIZE for one buffer.
    public var deviceMemory: DeviceMemory {
        DeviceMemory(device: "the OpenCL device \(device.name)", totalBytes: device.globalMemoryBytes,
                     largestBufferBytes: device.maxAllocationBytes,
                     totalLabel: "its global memory (CL_DEVICE_GLOBAL_MEM_SIZE)",
                     largestBufferLabel: "its largest single allocation (CL_DEVICE_MAX_MEM_ALLOC_SIZE)")
    }

    /// `Backend.makeBuffer`: checked against the device's limits, then zero-filled by a fill on the queue.
    public func makeBuffer(count: Int) throws -> any DeviceBuffer {
        let buffer = try makeUnfilledBuffer(count: count)
        if count > 0 { try queue.fill(buffer, with: Float(0)) }
        return buffer
    }

    /// `Backend.makeScratchBuffer`: as `makeBuffer`, without the fill.
    public func makeScratchBuffer(count: Int) throws -> any DeviceBuffer {
        try makeUnfilledBuffer(count: count)
    }

    /// A caller's size: checked against the device's limits before clCreateBuffer (`Buffer` checks
    /// again, for its own callers), and a driver's out-of-memory status from clCreateBuffer reported
    /// as the same `RecurError` the CPU backend throws.
    private func makeUnfilledBuffer(count: Int) throws -> Buffer {
        let memory = deviceMemory
        let bytes = try memory.checkBuffer(count: count)
        do {
            return try Buffer(context: context, count: count, recycler: recycler)
        } catch {
            throw Self.allocationError(error, bytes: bytes, memory: memory)
        }
    }

    /// The runtime's `outOfDeviceMemory` (a limit, or CL_MEM_OBJECT_ALLOCATION_FAILURE,
    /// CL_OUT_OF_RESOURCES or CL_OUT_OF_HOST_MEMORY from clCreateBuffer) as `RecurError`; other errors as they are.
    static func allocationError(_ error: OpenCLError, bytes: Int, memory: DeviceMemory) -> any Error {
        guard case let .outOfDeviceMemory(_, _, reason) = error else { return error }
        return RecurError.outOfDeviceMemory(bytes: bytes, device: memory.device, limit: memory.totalLabel,
                                            available: memory.totalBytes, reason: reason)
    }

    /// Made by this backend: by another backend on the same device is not enough, because this
    /// backend's freed buffers are reused on its own queue only (`BufferRecycler`).
    public func owns(_ buffer: any DeviceBuffer) -> Bool {
        guard let buffer = buffer as? Buffer, buffer.context === context else { return false }
        return buffer.recycler == nil || buffer.recycler === recycler
    }

    /// `Backend.upload`: a non-blocking write on the queue; drops the buffer's packed GEMM operands from the cache.
    public func upload(_ values: [Float], to buffer: any DeviceBuffer, offset: Int) throws {
        let buffer = try own(buffer)
        try checkRange(buffer, offset: offset, count: values.count)
        packCache.invalidate(buffer)
        try queue.write(values, to: buffer, offset: offset)
    }

    /// `Backend.upload` of Int32 values (indices, targets, lengths), as the Float one.
    public func upload(_ values: [Int32], to buffer: any DeviceBuffer, offset: Int) throws {
        let buffer = try own(buffer)
        try checkRange(buffer, offset: offset, count: values.count)
        packCache.invalidate(buffer)
        try queue.write(values, to: buffer, offset: offset)
    }

    /// `Backend.download`: a blocking read, which runs after every operation queued before it.
    public func download(_ buffer: any DeviceBuffer, offset: Int, count: Int) throws -> [Float] {
        let buffer = try own(buffer)
        try checkRange(buffer, offset: offset, count: count)
        return try queue.read(buffer, offset: offset, count: count, as: Float.self)
    }

    /// `Backend.synchronize`: finishes the main queue, then the side queues.
    public func synchronize() throws {
        try queue.finish()
        // Done already (the main queue waited for them), but finishing collects their profiled
        // launches (`KernelProfile`) at the same points as the main queue's.
        for side in sideQueues { try side.finish() }
    }

    /// `Backend.makeHostStaging`: runtime-allocated host memory, mapped for its life (`MappedHostMemory`).
    public func makeHostStaging(count: Int) throws -> any HostStaging {
        do {
            return try MappedHostMemory(queue: queue, count: count)
        } catch {
            throw Self.allocationError(error, bytes: count * 4, memory: deviceMemory)
        }
    }

    /// `Backend.enqueueRead`: a non-blocking read into the mapped memory.
    public func enqueueRead(_ buffer: any DeviceBuffer, offset: Int, count: Int, into staging: any HostStaging, at index: Int) throws {
        let buffer = try own(buffer)
        try checkRange(buffer, offset: offset, count: count)
        try checkStagingRange(staging, at: index, count: count)
        try queue.read(buffer, offset: offset, count: count, into: try ownStaging(staging), at: index)
    }

    /// `Backend.enqueueWrite`: a non-blocking write from the mapped memory; drops the buffer's packed GEMM operands.
    public func enqueueWrite(from staging: any HostStaging, at index: Int, count: Int, to buffer: any DeviceBuffer, offset: Int) throws {
        let buffer = try own(buffer)
        try checkRange(buffer, offset: offset, count: count)
        try checkStagingRange(staging, at: index, count: count)
        packCache.invalidate(buffer)
        try queue.write(from: try ownStaging(staging), at: index, count: count, to: buffer, offset: offset)
    }

    private func ownStaging(_ staging: any HostStaging) throws -> MappedHostMemory {
        guard let mapped = staging as? MappedHostMemory, mapped.context === context else {
            throw RecurError.foreignTensor("host staging memory of another backend or device")
        }
        return mapped
    }

    func own(_ buffer: any DeviceBuffer) throws -> Buffer {
        guard let buffer = buffer as? Buffer, buffer.context === context else {
            throw RecurError.foreignTensor("a buffer of another backend or device")
        }
        return buffer
    }

    private func checkRange(_ buffer: Buffer, offset: Int, count: Int) throws {
        guard offset >= 0, count >= 0, offset + count <= buffer.count else {
            throw RecurError.invalidValue(
                "elements \(offset)..<\(offset + count) are outside a buffer of \(buffer.count) elements")
        }
    }

    /// The scratch buffer for `role`, at least `count` elements.
    func scratchBuffer(_ role: ScratchRole, count: Int) throws -> Buffer {
        if let buffer = scratch[role], buffer.count >= count { return buffer }
        let buffer = try Buffer(context: context, count: count, recycler: recycler)
        scratch[role] = buffer
        return buffer
    }

    // MARK: Elementwise

    /// `Backend.fill`: one kernel launch.
    public func fill(_ dst: Matrix, value: Float) throws {
        let view = ViewArgument(dst)
        packCache.invalidate(view.buffer)
        try queue.enqueue(FillMatrix(
            dst: view.buffer, off: view.offset, rows: Int32(dst.rows), cols: Int32(dst.cols), ld: view.ld, value: value))
    }

    /// `Backend.copy`: one kernel launch over the two strided views.
    public func copy(_ src: Matrix, to dst: Matrix) throws {
        precondition(src.rows == dst.rows && src.cols == dst.cols, "copy between views of different shapes")
        let from = ViewArgument(src), to = ViewArgument(dst)
        packCache.invalidate(to.buffer)
        try queue.enqueue(CopyMatrix(
            src: from.buffer, srcOff: from.offset, srcLd: from.ld, dst: to.buffer, dstOff: to.offset, dstLd: to.ld,
            rows: Int32(src.rows), cols: Int32(src.cols)))
    }

    /// `Backend.axpy`: one kernel launch.
    public func axpy(alpha: Float, _ x: Matrix, _ y: Matrix) throws {
        precondition(x.rows == y.rows && x.cols == y.cols, "axpy between views of different shapes")
        let from = ViewArgument(x), to = ViewArgument(y)
        packCache.invalidate(to.buffer)
        try queue.enqueue(AxpyMatrix(
            alpha: alpha, x: from.buffer, xOff: from.offset, xLd: from.ld, y: to.buffer, yOff: to.offset, yLd: to.ld,
            rows: Int32(x.rows), cols: Int32(x.cols)))
    }

    /// Rows per chunk of the first pass of a tall matrix's column sums (`SumRowChunks`), and the
    /// height from which the two passes are used: a (2048, 512) LSTM gate gradient then runs as
    /// (32 x 64) work-items and a second pass over 64 partial rows.
    static let columnSumChunkRows = 32

    /// `Backend.sumRows`: one kernel, or for more than 2 * `columnSumChunkRows` rows two passes through partial sums.
    public func sumRows(_ src: Matrix, into dst: Matrix, accumulate: Bool) throws {
        precondition(dst.rows == 1 && dst.cols == src.cols, "sumRows into a view of the wrong width")
        let from = ViewArgument(src), to = ViewArgument(dst)
        packCache.invalidate(to.buffer)
        let chunkRows = Self.columnSumChunkRows
        guard src.rows > 2 * chunkRows else {
            try queue.enqueue(SumRows(
                src: from.buffer, off: from.offset, rows: Int32(src.rows), cols: Int32(src.cols), ld: from.ld,
                dst: to.buffer, dstOff: to.offset, accumulate: accumulate ? 1 : 0))
            return
        }
        let chunks = (src.rows + chunkRows - 1) / chunkRows
        let partials = try scratchBuffer(.columnSumPartials, count: chunks * src.cols)
        try queue.enqueue(SumRowChunks(
            src: from.buffer, off: from.offset, rows: Int32(src.rows), cols: Int32(src.cols), ld: from.ld,
            chunkRows: Int32(chunkRows), partials: partials))
        try queue.enqueue(SumRows(
            src: partials, off: 0, rows: Int32(chunks), cols: Int32(src.cols), ld: Int32(src.cols),
            dst: to.buffer, dstOff: to.offset, accumulate: accumulate ? 1 : 0))
    }

    // MARK: Cells

    /// `Backend.cellForward`: the cell's fused kernel, after dropping every written view from the pack cache.
    public func cellForward(_ step: CellForwardStep) throws {
        // Every written view, since any buffer may be a cached packed operand's source.
        for written in [step.hNext, step.output] + [step.cNext, step.saved].compactMap({ $0 }) {
            packCache.invalidate(ViewArgument(written).buffer)
        }
        try enqueueCellForward(step, on: queue)
    }

    /// The cell kernel of `step` on `queue` (the packed-operand cache is the caller's to update).
    func enqueueCellForward(_ step: CellForwardStep, on queue: CommandQueue) throws {
        try queue.enqueue(CellKernels(step.mode).forwardLaunch(step, dummy: dummy))
    }

    /// `Backend.cellBackward`: the cell's fused kernel, after dropping every written view from the pack cache.
    public func cellBackward(_ step: CellBackwardStep) throws {
        for written in [step.dGatesX, step.dGatesH, step.dhPrev] + [step.dcPrev].compactMap({ $0 }) {
            packCache.invalidate(ViewArgument(written).buffer)
        }
        try enqueueCellBackward(step, on: queue)
    }

    /// `Backend.carryPastLength`: one kernel launch; `lengths` must be a buffer of this device.
    public func carryPastLength(_ previous: Matrix, into next: Matrix, lengths: any DeviceBuffer, time: Int) throws {
        precondition(previous.rows == next.rows && previous.cols == next.cols, "carryPastLength between views of different shapes")
        guard let lengthBuffer = lengths as? Buffer else {
            preconditionFailure("an OpenCL kernel was given a buffer of another backend")
        }
        let from = ViewArgument(previous), to = ViewArgument(next)
        packCache.invalidate(to.buffer)
        try queue.enqueue(CarryPastLength(
            src: from, dst: to, rows: Int32(next.rows), cols: Int32(next.cols), lengths: lengthBuffer, time: Int32(time)))
    }

    /// The cell kernel of `step` on `queue` (the packed-operand cache is the caller's to update).
    func enqueueCellBackward(_ step: CellBackwardStep, on queue: CommandQueue) throws {
        try queue.enqueue(CellKernels(step.mode).backwardLaunch(step, dummy: dummy))
    }
}

/// What a scratch buffer holds.
enum ScratchRole: Hashable {
    /// (B, G*H): h_{t-1} W_hh^T of one step of the per-step recurrent loop.
    case hiddenProjection
    /// (H, G*H): W_hh^T for the fused backward loop.
    case hiddenWeightTransposed
    /// `sum_row_chunks`' partial column sums: (chunks, cols).
    case columnSumPartials
    /// `sum_of_squares_partial`'s per-work-group sums: `Reduction.partialGroups` floats.
    case partialSums
    /// `scatter_row_links`' links: 2N Int32.
    case scatterLinks
    /// The whole-sequence kernels' done counters and claim flags of a launch in unit parts:
    /// (T + 1) * (parts + 1) Int32, zeroed before each launch (`UnitParts`).
    case sequenceSync
}

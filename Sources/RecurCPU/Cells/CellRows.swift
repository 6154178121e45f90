import Recur
import RecurAVX512

/// What every cell step needs per batch row: whether the row's sequence is still running at this
/// time step. Rows past their length carry their state forward (and their gradient backward).
struct RowMask {
    let lengths: UnsafeMutablePointer<Int32>?
    let time: Int32

    init(_ lengths: UnsafeMutablePointer<Int32>?, time: Int) {
        self.lengths = lengths
        self.time = Int32(time)
    }

    @inline(__always)
    func isValid(_ row: Int) -> Bool {
        guard let lengths else { return true }
        return time < lengths[row]
    }

    /// Splits `rows` into runs of consecutive rows: body(first, n) for a run of n valid rows,
    /// body(row, nil) for each finished one.
    @inline(__always)
    func forEachRun(in rows: Range<Int>, _ body: (Int, Int?) -> Void) {
        var b = rows.lowerBound
        while b < rows.upperBound {
            guard isValid(b) else {
                body(b, nil)
                b += 1
                continue
            }
            var end = b + 1
            while end < rows.upperBound && isValid(end) { end += 1 }
            body(b, end - b)
            b = end
        }
    }
}

/// A view's rows as a raw pointer and a row stride. The cell steps take their views in this form:
/// a `Matrix` holds its buffer, and every copy of one retains and releases it. The team time loop
/// built ~10 views per step on each thread, on buffers both threads share, so the reference counts'
/// atomics bounced between the cores (perf, lstm-small: swift_retain + swift_release 3.9% of a run,
/// half of it in the team loops).
struct RowView {
    let base: UnsafeMutablePointer<Float>
    let ld: Int

    @inline(__always)
    init(base: UnsafeMutablePointer<Float>, ld: Int) {
        self.base = base
        self.ld = ld
    }

    @inline(__always)
    init(_ m: Matrix) { self.init(base: m.base, ld: m.ld) }

    @inline(__always)
    func row(_ r: Int) -> UnsafeMutablePointer<Float> { base + r * ld }

    /// The view from row r on (`Matrix.rows(r, _)` without the bounds).
    @inline(__always)
    func from(_ r: Int) -> RowView { RowView(base: base + r * ld, ld: ld) }
}

extension Optional where Wrapped == RowView {
    /// Row r of an optional view, or nil.
    @inline(__always)
    func row(_ r: Int) -> UnsafeMutablePointer<Float>? {
        guard let v = self else { return nil }
        return v.base + r * v.ld
    }
}

/// `CellForwardStep` as raw rows (`RowView`); hProj comes separately (see `CellRows.forward`), and
/// the biases summed (`CellBias.withRows`).
struct ForwardStepRows {
    var mode: CellMode, hidden: Int
    var xProj: RowView, bias: UnsafeMutablePointer<Float>?
    var hPrev: RowView, hNext: RowView, cPrev: RowView?, cNext: RowView?, output: RowView, saved: RowView?
    var lengths: UnsafeMutablePointer<Int32>?, time: Int
}

/// `CellBackwardStep` as raw rows.
struct BackwardStepRows {
    var mode: CellMode, hidden: Int
    var saved: RowView?, hPrev: RowView, hOut: RowView, cPrev: RowView?
    var dhNext: RowView, dcNext: RowView?, dOutput: RowView?, dGatesX: RowView, dGatesH: RowView
    var dhPrev: RowView, dcPrev: RowView?
    var lengths: UnsafeMutablePointer<Int32>?, time: Int
}

extension ForwardStepRows {
    /// `bias` (`CellBias.withRows`) must outlive the rows.
    init(_ s: CellForwardStep, bias: UnsafeMutablePointer<Float>?) {
        self.init(
            mode: s.mode, hidden: s.hidden, xProj: RowView(s.xProj), bias: bias, hPrev: RowView(s.hPrev), hNext: RowView(s.hNext),
            cPrev: s.cPrev.map(RowView.init), cNext: s.cNext.map(RowView.init), output: RowView(s.output),
            saved: s.saved.map(RowView.init), lengths: lengthPointer(s.lengths), time: s.time)
    }
}

extension BackwardStepRows {
    init(_ s: CellBackwardStep) {
        self.init(
            mode: s.mode, hidden: s.hidden, saved: s.saved.map(RowView.init), hPrev: RowView(s.hPrev),
            hOut: RowView(s.hOut), cPrev: s.cPrev.map(RowView.init), dhNext: RowView(s.dhNext),
            dcNext: s.dcNext.map(RowView.init), dOutput: s.dOutput.map(RowView.init),
            dGatesX: RowView(s.dGatesX), dGatesH: RowView(s.dGatesH), dhPrev: RowView(s.dhPrev),
            dcPrev: s.dcPrev.map(RowView.init), lengths: lengthPointer(s.lengths), time: s.time)
    }
}

/// The Int32 lengths of a CPU buffer, or nil.
func lengthPointer(_ lengths: (any DeviceBuffer)?) -> UnsafeMutablePointer<Int32>? {
    lengths.map { unsafeDowncast($0, to: CPUBuffer.self).ints }
}

/// The cell steps over a block of rows and a range of hidden units, for any cell: the masking of
/// finished sequences is done here, the arithmetic in the cells' `forward` / `backward`, one call
/// per run of consecutive rows whose sequences are still running (all of them without lengths).
enum CellRows {
    /// Rows `rows` and units `units` of a forward step. `hProj` is where row 0's hProj gate 0 of
    /// unit `units.lowerBound` is (the step's own hProj, or a thread's product), `hProjStride` the
    /// distance between rows.
    @inline(__always)
    static func forward(
        _ s: ForwardStepRows, rows: Range<Int>, units: Range<Int>, kernels: CPUKernels,
        hProj: GateRow, hProjStride: Int
    ) {
        let hidden = s.hidden, j0 = units.lowerBound, count = units.count
        let mask = RowMask(s.lengths, time: s.time)
        let cell = CPUCell(s.mode, kernels: kernels)
        let bias = s.bias.map { GateRow(base: $0 + j0, stride: hidden) }
        let strides = ForwardStrides(
            x: s.xProj.ld, h: hProjStride, hPrev: s.hPrev.ld, hNext: s.hNext.ld, output: s.output.ld,
            cPrev: s.cPrev?.ld ?? 0, cNext: s.cNext?.ld ?? 0, saved: s.saved?.ld ?? 0)
        mask.forEachRun(in: rows) { b, run in
            guard let run else {
                let hPrev = s.hPrev.row(b) + j0, hNext = s.hNext.row(b) + j0
                hNext.update(from: hPrev, count: count)
                if let cPrev = s.cPrev.row(b), let cNext = s.cNext.row(b) {
                    (cNext + j0).update(from: cPrev + j0, count: count)
                }
                (s.output.row(b) + j0).update(repeating: 0, count: count)
                return
            }
            let u = ForwardUnits(
                count: count, x: GateRow(base: s.xProj.row(b) + j0, stride: hidden),
                h: hProj.advanced(by: b * hProjStride), bias: bias,
                hPrev: s.hPrev.row(b) + j0, hNext: s.hNext.row(b) + j0, output: s.output.row(b) + j0,
                cPrev: s.cPrev.row(b).map { $0 + j0 }, cNext: s.cNext.row(b).map { $0 + j0 },
                saved: s.saved.row(b).map { GateRow(base: $0 + j0, stride: hidden) })
            cell.forward(u, run, strides)
        }
    }

    /// Rows `rows` and units `units` of a backward step.
    @inline(__always)
    static func backward(_ s: BackwardStepRows, rows: Range<Int>, units: Range<Int>, kernels: CPUKernels) {
        let hidden = s.hidden, j0 = units.lowerBound, count = units.count, gates = s.mode.gateCount
        let mask = RowMask(s.lengths, time: s.time)
        let cell = CPUCell(s.mode, kernels: kernels)
        let strides = BackwardStrides(
            saved: s.saved?.ld ?? 0, hPrev: s.hPrev.ld, hOut: s.hOut.ld, cPrev: s.cPrev?.ld ?? 0,
            dhNext: s.dhNext.ld, dcNext: s.dcNext?.ld ?? 0, dOutput: s.dOutput?.ld ?? 0,
            dGatesX: s.dGatesX.ld, dGatesH: s.dGatesH.ld, dhPrev: s.dhPrev.ld, dcPrev: s.dcPrev?.ld ?? 0)
        mask.forEachRun(in: rows) { b, run in
            let dhNext = s.dhNext.row(b) + j0, dhPrev = s.dhPrev.row(b) + j0
            let dcNext = s.dcNext.row(b).map { $0 + j0 }, dcPrev = s.dcPrev.row(b).map { $0 + j0 }
            let dgx = GateRow(base: s.dGatesX.row(b) + j0, stride: hidden)
            let dgh = GateRow(base: s.dGatesH.row(b) + j0, stride: hidden)
            guard let run else {
                dhPrev.update(from: dhNext, count: count)
                if let dcNext, let dcPrev { dcPrev.update(from: dcNext, count: count) }
                for k in 0..<gates {
                    dgx.gate(k).update(repeating: 0, count: count)
                    dgh.gate(k).update(repeating: 0, count: count)
                }
                return
            }
            let u = BackwardUnits(
                count: count, saved: s.saved.row(b).map { GateRow(base: $0 + j0, stride: hidden) },
                hPrev: s.hPrev.row(b) + j0, hOut: s.hOut.row(b) + j0, cPrev: s.cPrev.row(b).map { $0 + j0 },
                dhNext: dhNext, dcNext: dcNext, dOutput: s.dOutput.row(b).map { $0 + j0 },
                dGatesX: dgx, dGatesH: dgh, dhPrev: dhPrev, dcPrev: dcPrev)
            cell.backward(u, run, strides)
        }
    }
}

extension Matrix {
    @inline(__always)
    func row(_ r: Int) -> UnsafeMutablePointer<Float> { base + r * ld }
}

extension ThreadPool {
    /// Runs `body` over the rows of a batch, in contiguous chunks, one per thread; a small
    /// batch or hidden size runs on the calling thread (waking a worker costs more than it saves).
    func forEachRow(_ rows: Int, width: Int, _ body: (Range<Int>) -> Void) {
        let threads = min(threadCount, rows)
        if threads <= 1 || rows * width < 4096 {
            body(0..<rows)
            return
        }
        parallelFor(threads) { chunk in
            let start = rows * chunk / threads, end = rows * (chunk + 1) / threads
            body(start..<end)
        }
    }
}

extension CPUBackend {
    /// `Backend.cellForward`: the batch's rows split over the pool's threads (a small step on the calling thread).
    public func cellForward(_ step: CellForwardStep) {
        profiled("cellForward") {
            let width = step.mode.gateCount * step.hidden
            CellBias.withRows(mode: step.mode, hidden: step.hidden, biasIH: step.biasIH, biasHH: step.biasHH) { bias in
                let stepRows = ForwardStepRows(step, bias: bias), hProj = RowView(step.hProj)
                pool.forEachRow(step.batch, width: width) { rows in
                    CellRows.forward(
                        stepRows, rows: rows, units: 0..<step.hidden, kernels: kernels,
                        hProj: GateRow(base: hProj.row(0), stride: step.hidden), hProjStride: hProj.ld)
                }
            }
        }
    }

    /// `Backend.cellBackward`: the batch's rows split over the pool's threads (a small step on the calling thread).
    public func cellBackward(_ step: CellBackwardStep) {
        profiled("cellBackward") {
            let width = step.mode.gateCount * step.hidden
            let stepRows = BackwardStepRows(step)
            pool.forEachRow(step.batch, width: width) { rows in
                CellRows.backward(stepRows, rows: rows, units: 0..<step.hidden, kernels: kernels)
            }
        }
    }
}

extension CPUBackend {
    /// `Backend.carryPastLength`: a row copy per ended sequence, on the calling thread.
    public func carryPastLength(_ previous: Matrix, into next: Matrix, lengths: any DeviceBuffer, time: Int) {
        precondition(previous.rows == next.rows && previous.cols == next.cols, "carryPastLength between views of different shapes")
        profiled("carryPastLength") {
            // A handful of rows, each a short copy: on the calling thread.
            let mask = RowMask(lengthPointer(lengths), time: time)
            for b in 0..<next.rows where !mask.isValid(b) {
                next.row(b).update(from: previous.row(b), count: next.cols)
            }
        }
    }
}

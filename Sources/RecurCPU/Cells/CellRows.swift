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

/// `CellForwardStep` as raw rows (`RowView`); hProj comes separately (see `CellRows.forward`).
struct ForwardStepRows {
    var mode: CellMode, hidden: Int
    var xProj: RowView, biasIH: RowView?, biasHH: RowView?
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
    init(_ s: CellForwardStep) {
        self.init(
            mode: s.mode, hidden: s.hidden, xProj: RowView(s.xProj), biasIH: s.biasIH.map(RowView.init),
            biasHH: s.biasHH.map(RowView.init), hPrev: RowView(s.hPrev), hNext: RowView(s.hNext),
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
/// finished sequences is done here once, the arithmetic in the cells' `forward` / `backward`.
enum CellRows {
    /// Rows `rows` and units `units` of a forward step. `hProj(b)` is where row b's hProj gate 0
    /// of unit `units.lowerBound` is (the step's own hProj, or a thread's product).
    @inline(__always)
    static func forward(
        _ s: ForwardStepRows, rows: Range<Int>, units: Range<Int>, kernels: CPUKernels, hProj: (Int) -> GateRow
    ) {
        let wide = kernels == .avx512
        let hidden = s.hidden, j0 = units.lowerBound, count = units.count
        let mask = RowMask(s.lengths, time: s.time)
        let biasIH = s.biasIH.map { GateRow(base: $0.row(0) + j0, stride: hidden) }
        let biasHH = s.biasHH.map { GateRow(base: $0.row(0) + j0, stride: hidden) }
        for b in rows {
            let hPrev = s.hPrev.row(b) + j0, hNext = s.hNext.row(b) + j0, out = s.output.row(b) + j0
            let cPrev = s.cPrev.row(b).map { $0 + j0 }, cNext = s.cNext.row(b).map { $0 + j0 }
            guard mask.isValid(b) else {
                hNext.update(from: hPrev, count: count)
                if let cPrev, let cNext { cNext.update(from: cPrev, count: count) }
                out.update(repeating: 0, count: count)
                continue
            }
            let u = ForwardUnits(
                count: count, x: GateRow(base: s.xProj.row(b) + j0, stride: hidden), h: hProj(b),
                biasIH: biasIH, biasHH: biasHH, hPrev: hPrev, hNext: hNext, output: out, cPrev: cPrev, cNext: cNext,
                saved: s.saved.row(b).map { GateRow(base: $0 + j0, stride: hidden) })
            switch (s.mode, wide) {
            case (.rnnTanh, false): ElmanCell.forward(u, relu: false)
            case (.rnnReLU, false): ElmanCell.forward(u, relu: true)
            case (.lstm, false): LSTMCell.forward(u)
            case (.gru, false): GRUCell.forward(u)
            case (.rnnTanh, true): AVX512Cells.elmanForward(u.wide, relu: false)
            case (.rnnReLU, true): AVX512Cells.elmanForward(u.wide, relu: true)
            case (.lstm, true): AVX512Cells.lstmForward(u.wide)
            case (.gru, true): AVX512Cells.gruForward(u.wide)
            }
        }
    }

    /// Rows `rows` and units `units` of a backward step.
    @inline(__always)
    static func backward(_ s: BackwardStepRows, rows: Range<Int>, units: Range<Int>, kernels: CPUKernels) {
        let wide = kernels == .avx512
        let hidden = s.hidden, j0 = units.lowerBound, count = units.count, gates = s.mode.gateCount
        let mask = RowMask(s.lengths, time: s.time)
        for b in rows {
            let dhNext = s.dhNext.row(b) + j0, dhPrev = s.dhPrev.row(b) + j0
            let dcNext = s.dcNext.row(b).map { $0 + j0 }, dcPrev = s.dcPrev.row(b).map { $0 + j0 }
            let dgx = GateRow(base: s.dGatesX.row(b) + j0, stride: hidden)
            let dgh = GateRow(base: s.dGatesH.row(b) + j0, stride: hidden)
            guard mask.isValid(b) else {
                dhPrev.update(from: dhNext, count: count)
                if let dcNext, let dcPrev { dcPrev.update(from: dcNext, count: count) }
                for k in 0..<gates {
                    dgx.gate(k).update(repeating: 0, count: count)
                    dgh.gate(k).update(repeating: 0, count: count)
                }
                continue
            }
            let u = BackwardUnits(
                count: count, saved: s.saved.row(b).map { GateRow(base: $0 + j0, stride: hidden) },
                hPrev: s.hPrev.row(b) + j0, hOut: s.hOut.row(b) + j0, cPrev: s.cPrev.row(b).map { $0 + j0 },
                dhNext: dhNext, dcNext: dcNext, dOutput: s.dOutput.row(b).map { $0 + j0 },
                dGatesX: dgx, dGatesH: dgh, dhPrev: dhPrev, dcPrev: dcPrev)
            switch (s.mode, wide) {
            case (.rnnTanh, false): ElmanCell.backward(u, relu: false)
            case (.rnnReLU, false): ElmanCell.backward(u, relu: true)
            case (.lstm, false): LSTMCell.backward(u)
            case (.gru, false): GRUCell.backward(u)
            case (.rnnTanh, true): AVX512Cells.elmanBackward(u.wide, relu: false)
            case (.rnnReLU, true): AVX512Cells.elmanBackward(u.wide, relu: true)
            case (.lstm, true): AVX512Cells.lstmBackward(u.wide)
            case (.gru, true): AVX512Cells.gruBackward(u.wide)
            }
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
    public func cellForward(_ step: CellForwardStep) {
        profiled("cellForward") {
            let width = step.mode.gateCount * step.hidden
            let stepRows = ForwardStepRows(step), hProj = RowView(step.hProj)
            pool.forEachRow(step.batch, width: width) { rows in
                CellRows.forward(stepRows, rows: rows, units: 0..<step.hidden, kernels: kernels) { b in
                    GateRow(base: hProj.row(b), stride: step.hidden)
                }
            }
        }
    }

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

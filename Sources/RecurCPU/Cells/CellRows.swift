import Recur
import RecurAVX512

/// What every cell step needs per batch row: whether the row's sequence is still running at this
/// time step. Rows past their length carry their state forward (and their gradient backward).
struct RowMask {
    let lengths: UnsafeMutablePointer<Int32>?
    let time: Int32

    init(_ lengths: (any DeviceBuffer)?, time: Int) {
        self.lengths = lengths.map { unsafeDowncast($0, to: CPUBuffer.self).ints }
        self.time = Int32(time)
    }

    @inline(__always)
    func isValid(_ row: Int) -> Bool {
        guard let lengths else { return true }
        return time < lengths[row]
    }
}

/// The cell steps over a block of rows and a range of hidden units, for any cell: the masking of
/// finished sequences is done here once, the arithmetic in the cells' `forward` / `backward`.
enum CellRows {
    /// Rows `rows` and units `units` of a forward step. `hProj(b)` is where row b's hProj gate 0
    /// of unit `units.lowerBound` is (the step's own hProj, or a thread's product).
    @inline(__always)
    static func forward(
        _ s: CellForwardStep, rows: Range<Int>, units: Range<Int>, kernels: CPUKernels, hProj: (Int) -> GateRow
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
    static func backward(_ s: CellBackwardStep, rows: Range<Int>, units: Range<Int>, kernels: CPUKernels) {
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

extension Optional where Wrapped == Matrix {
    /// Row r of an optional view, or nil.
    @inline(__always)
    func row(_ r: Int) -> UnsafeMutablePointer<Float>? {
        guard let m = self else { return nil }
        return m.base + r * m.ld
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
        let width = step.mode.gateCount * step.hidden
        pool.forEachRow(step.batch, width: width) { rows in
            CellRows.forward(step, rows: rows, units: 0..<step.hidden, kernels: kernels) { b in
                GateRow(base: step.hProj.row(b), stride: step.hidden)
            }
        }
    }

    public func cellBackward(_ step: CellBackwardStep) {
        let width = step.mode.gateCount * step.hidden
        pool.forEachRow(step.batch, width: width) { rows in
            CellRows.backward(step, rows: rows, units: 0..<step.hidden, kernels: kernels)
        }
    }
}

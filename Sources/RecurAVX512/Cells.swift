/// The cell steps on 16 lanes: RecurCPU's cells (the shared sources in Lanes) compiled for AVX-512,
/// called by RecurCPU's CellRows in place of its 8-lane ones when `CPUKernels.best` is `.avx512`.
/// Out of line, so that none of this module's code is inlined into code that runs on any CPU. Each
/// call does a block of rows (see `ForwardStrides`).
package enum AVX512Cells {
    @inline(never)
    package static func lstmForward(_ u: ForwardUnits, rows: Int, strides: ForwardStrides) {
        u.forEachRow(rows, strides) { LSTMCell.forward($0) }
    }

    @inline(never)
    package static func lstmBackward(_ u: BackwardUnits, rows: Int, strides: BackwardStrides) {
        u.forEachRow(rows, strides) { LSTMCell.backward($0) }
    }

    @inline(never)
    package static func gruForward(_ u: ForwardUnits, rows: Int, strides: ForwardStrides) {
        u.forEachRow(rows, strides) { GRUCell.forward($0) }
    }

    @inline(never)
    package static func gruBackward(_ u: BackwardUnits, rows: Int, strides: BackwardStrides) {
        u.forEachRow(rows, strides) { GRUCell.backward($0) }
    }

    @inline(never)
    package static func elmanForward(_ u: ForwardUnits, rows: Int, strides: ForwardStrides, relu: Bool) {
        u.forEachRow(rows, strides) { ElmanCell.forward($0, relu: relu) }
    }

    @inline(never)
    package static func elmanBackward(_ u: BackwardUnits, rows: Int, strides: BackwardStrides, relu: Bool) {
        u.forEachRow(rows, strides) { ElmanCell.backward($0, relu: relu) }
    }
}

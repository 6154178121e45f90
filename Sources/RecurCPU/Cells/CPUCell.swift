import Recur
import RecurAVX512

/// The CPU backend's cells: each cell's forward and backward over a run of rows, on 8 lanes or,
/// where `CPUKernels` chose AVX-512, on 16. The one place a cell is registered with this backend
/// (`CellRows` does the rows, units and masking for every cell alike). The math is in Lanes/.
struct CPUCell {
    /// Rows `rows` of a forward step's units (`ForwardUnits` at the first row, `strides` between rows).
    let forward: (_ units: ForwardUnits, _ rows: Int, _ strides: ForwardStrides) -> Void
    /// The same for a backward step.
    let backward: (_ units: BackwardUnits, _ rows: Int, _ strides: BackwardStrides) -> Void

    /// Closures that capture nothing (no context to allocate), chosen once per step call; each call covers a run of rows,
    /// so the indirect call is one per run, not per row or unit.
    @inline(__always)
    init(_ mode: CellMode, kernels: CPUKernels) {
        switch (mode, kernels == .avx512) {
        case (.rnnTanh, false):
            forward = { $0.forEachRow($1, $2) { ElmanCell.forward($0, relu: false) } }
            backward = { $0.forEachRow($1, $2) { ElmanCell.backward($0, relu: false) } }
        case (.rnnReLU, false):
            forward = { $0.forEachRow($1, $2) { ElmanCell.forward($0, relu: true) } }
            backward = { $0.forEachRow($1, $2) { ElmanCell.backward($0, relu: true) } }
        case (.lstm, false):
            forward = { $0.forEachRow($1, $2) { LSTMCell.forward($0) } }
            backward = { $0.forEachRow($1, $2) { LSTMCell.backward($0) } }
        case (.gru, false):
            forward = { $0.forEachRow($1, $2) { GRUCell.forward($0) } }
            backward = { $0.forEachRow($1, $2) { GRUCell.backward($0) } }
        case (.rnnTanh, true):
            forward = { AVX512Cells.elmanForward($0.wide, rows: $1, strides: $2.wide, relu: false) }
            backward = { AVX512Cells.elmanBackward($0.wide, rows: $1, strides: $2.wide, relu: false) }
        case (.rnnReLU, true):
            forward = { AVX512Cells.elmanForward($0.wide, rows: $1, strides: $2.wide, relu: true) }
            backward = { AVX512Cells.elmanBackward($0.wide, rows: $1, strides: $2.wide, relu: true) }
        case (.lstm, true):
            forward = { AVX512Cells.lstmForward($0.wide, rows: $1, strides: $2.wide) }
            backward = { AVX512Cells.lstmBackward($0.wide, rows: $1, strides: $2.wide) }
        case (.gru, true):
            forward = { AVX512Cells.gruForward($0.wide, rows: $1, strides: $2.wide) }
            backward = { AVX512Cells.gruBackward($0.wide, rows: $1, strides: $2.wide) }
        }
    }
}

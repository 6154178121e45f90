/// The cell steps on 16 lanes: RecurCPU's cells (the shared sources in Lanes) compiled for AVX-512,
/// called by RecurCPU's CellRows in place of its 8-lane ones when `CPUKernels.best` is `.avx512`.
/// Out of line, so that none of this module's code is inlined into code that runs on any CPU.
package enum AVX512Cells {
    @inline(never)
    package static func lstmForward(_ u: ForwardUnits) { LSTMCell.forward(u) }

    @inline(never)
    package static func lstmBackward(_ u: BackwardUnits) { LSTMCell.backward(u) }

    @inline(never)
    package static func gruForward(_ u: ForwardUnits) { GRUCell.forward(u) }

    @inline(never)
    package static func gruBackward(_ u: BackwardUnits) { GRUCell.backward(u) }

    @inline(never)
    package static func elmanForward(_ u: ForwardUnits, relu: Bool) { ElmanCell.forward(u, relu: relu) }

    @inline(never)
    package static func elmanBackward(_ u: BackwardUnits, relu: Bool) { ElmanCell.backward(u, relu: relu) }
}

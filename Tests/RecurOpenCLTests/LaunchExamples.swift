import Recur
@testable import RecurOpenCL

/// One example of every launch struct, so the signature test covers every kernel: a kernel
/// without an entry here fails `KernelSignatures`. Add an entry with each new launch struct.
/// The values only have to be well-formed; the examples are checked, never run.
enum LaunchExamples {
    static func all(_ b: Buffer) -> [any KernelLaunch] {
        [
            FillMatrix(dst: b, off: 0, rows: 2, cols: 3, ld: 3, value: 1),
            CopyMatrix(src: b, srcOff: 0, srcLd: 3, dst: b, dstOff: 6, dstLd: 3, rows: 2, cols: 3),
            AxpyMatrix(alpha: 1, x: b, xOff: 0, xLd: 3, y: b, yOff: 6, yLd: 3, rows: 2, cols: 3),
            SumRows(src: b, off: 0, rows: 2, cols: 3, ld: 3, dst: b, dstOff: 6, accumulate: 0),
            GEMMTiled(m: 2, n: 2, k: 2, transA: 0, transB: 1, alpha: 1, a: view(b), b: view(b), beta: 0, c: view(b),
                      tuning: GEMMTuning(packed: false)),
            PackBPanels(k: 2, n: 2, transB: 0, b: view(b), packed: b, packedOffset: 0),
            PackARows(m: 2, k: 2, a: view(b), out: b, outOffset: 0),
            GEMMPacked(m: 2, n: 2, k: 2, alpha: 1, a: view(b), packed: b, packedOffset: 0, beta: 0, c: view(b),
                       tuning: GEMMTuning(packed: true)),
            RNNForward(forwardStep(.rnnTanh, b), dummy: b),
            RNNBackward(backwardStep(.rnnTanh, b), dummy: b),
            LSTMForward(forwardStep(.lstm, b), dummy: b),
            LSTMBackward(backwardStep(.lstm, b), dummy: b),
            GRUForward(forwardStep(.gru, b), dummy: b),
            GRUBackward(backwardStep(.gru, b), dummy: b),
        ]
    }

    /// A 2 x 2 view at the start of `b`.
    static func view(_ b: Buffer) -> ViewArgument { ViewArgument(Matrix(b, rows: 2, cols: 2)) }

    static func forwardStep(_ mode: CellMode, _ b: Buffer) -> CellForwardStep {
        let m = Matrix(b, rows: 1, cols: 2)
        return CellForwardStep(mode: mode, xProj: m, hProj: m, biasIH: m, biasHH: m, hPrev: m, hNext: m, cPrev: m,
                               cNext: m, output: m, saved: m, lengths: b, time: 0)
    }

    static func backwardStep(_ mode: CellMode, _ b: Buffer) -> CellBackwardStep {
        let m = Matrix(b, rows: 1, cols: 2)
        return CellBackwardStep(mode: mode, saved: m, hPrev: m, hOut: m, cPrev: m, dhNext: m, dcNext: m, dOutput: m,
                                dGatesX: m, dGatesH: m, dhPrev: m, dcPrev: m, lengths: b, time: 0)
    }
}

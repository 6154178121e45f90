import Recur
@testable import RecurOpenCL

/// One example of every launch struct, so the signature test covers every kernel: a kernel
/// without an entry here (or, for a cell's kernels, in `CellKernels`) fails `KernelSignatures`.
/// Add an entry with each new launch struct. The values only have to be well-formed; the examples
/// are checked, never run.
enum LaunchExamples {
    /// Every registered cell kernel, its arguments bound by name from example steps with every
    /// optional view present (the absent ones bind to the same number of arguments). Throws for a
    /// kernel parameter outside `CellBinding`'s vocabulary.
    static func cells(_ b: Buffer) throws -> [BoundLaunch] {
        try CellMode.allCases.flatMap { mode -> [BoundLaunch] in
            let kernels = CellKernels(mode)
            let gates = mode.gateCount * 2
            return [
                try kernels.forwardLaunch(forwardStep(mode, b), dummy: b),
                try kernels.backwardLaunch(backwardStep(mode, b), dummy: b),
                try kernels.fusedForwardLaunch(forwardSequence(mode, b), time: 0, unitsPerGroup: 2, dummy: b),
                try kernels.fusedBackwardLaunch(
                    backwardStep(mode, b), gatesNext: Matrix(b, rows: 1, cols: gates),
                    hiddenWeightT: Matrix(b, rows: 2, cols: gates), unitsPerGroup: 2, dummy: b),
            ]
        }
    }

    static func all(_ b: Buffer) -> [any KernelLaunch] {
        [
            FillMatrix(dst: b, off: 0, rows: 2, cols: 3, ld: 3, value: 1),
            CopyMatrix(src: b, srcOff: 0, srcLd: 3, dst: b, dstOff: 6, dstLd: 3, rows: 2, cols: 3),
            CarryPastLength(src: view(b), dst: view(b), rows: 2, cols: 2, lengths: b, time: 1),
            AxpyMatrix(alpha: 1, x: b, xOff: 0, xLd: 3, y: b, yOff: 6, yLd: 3, rows: 2, cols: 3),
            SumRows(src: b, off: 0, rows: 2, cols: 3, ld: 3, dst: b, dstOff: 6, accumulate: 0),
            SumRowChunks(src: b, off: 0, rows: 4, cols: 3, ld: 3, chunkRows: 2, partials: b),
            GEMMTiled(m: 2, n: 2, k: 2, transA: 0, transB: 1, alpha: 1, a: view(b), b: view(b), beta: 0, c: view(b),
                      tuning: GEMMTuning(packed: false)),
            PackBPanels(k: 2, n: 2, transB: 0, b: view(b), packed: b, packedOffset: 0),
            PackARows(m: 2, k: 2, a: view(b), out: b, outOffset: 0),
            GEMMPacked(m: 2, n: 2, k: 2, alpha: 1, a: view(b), packed: b, packedOffset: 0, beta: 0, c: view(b),
                       tuning: GEMMTuning(packed: true)),
            SequenceForward(forwardSequence(.lstm, b), rows: 0..<1, hProj: Matrix(b, rows: 1, cols: 8),
                            packedW: b, units: .whole(hidden: 2, dummy: b), workItems: 1,
                            tuning: GEMMTuning(packed: true), dummy: b),
            SequenceBackward(backwardSequence(.lstm, b), rows: 0..<1, packedW: b,
                             units: UnitParts(count: 2, unitsPerPart: 32, hidden: 64, sync: b, syncCount: 0), workItems: 1,
                             tuning: GEMMTuning(packed: true), dummy: b),
            // Training kernels (embedding.cl, dropout.cl, loss.cl, optimizers.cl).
            GatherRows(table: view(b), indices: b, out: view(b), rows: 2, cols: 2),
            ScatterRowLinks(indices: b, rows: 2, links: b),
            ScatterAddRows(src: view(b), indices: b, links: b, table: view(b), rows: 2, cols: 2),
            AddRowVector(vector: ViewArgument(Matrix(b, rows: 1, cols: 2)), m: view(b), rows: 2, cols: 2),
            DropoutMatrix(src: view(b), dst: view(b), rows: 2, cols: 2, seed: 7, threshold: 1 << 31, scale: 2),
            SoftmaxCrossEntropyRows(logits: view(b), targets: b, losses: ViewArgument(Matrix(b, rows: 1, cols: 2)),
                                    gradient: view(b), rows: 2, cols: 2, scale: 0.5),
            MeanSquaredErrorRows(predictions: view(b), targets: view(b), losses: ViewArgument(Matrix(b, rows: 1, cols: 2)),
                                 gradient: view(b), rows: 2, cols: 2, scale: 0.5),
            SumOfSquaresPartial(x: view(b), rows: 2, cols: 2, partials: b, groups: 1),
            SumOfSquaresFinal(partials: b, count: 1, dst: ViewArgument(Matrix(b, rows: 1, cols: 1)), accumulate: 0),
            ScaleByClipFactor(x: view(b), rows: 2, cols: 2, squaredNorm: ViewArgument(Matrix(b, rows: 1, cols: 1)), maxNorm: 1),
            SGDUpdate(parameters: view(b), gradients: view(b), momentumBuffer: view(b), hasMomentum: 1, firstStep: 1,
                      rows: 2, cols: 2, learningRate: 0.1, weightDecay: 0, momentum: 0.9, dampening: 0, nesterov: 0),
            AdamUpdate(parameters: view(b), gradients: view(b), firstMoment: view(b), secondMoment: view(b), rows: 2, cols: 2,
                       learningRate: 0.1, weightDecay: 0, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, stepSize: 1,
                       correction2: 0.03, decoupled: 0),
            ClampElements(x: view(b), rows: 2, cols: 2, limit: 1),
            BinaryCrossEntropyLogitsRows(logits: view(b), targets: view(b), losses: ViewArgument(Matrix(b, rows: 1, cols: 2)),
                                         gradient: view(b), rows: 2, cols: 2, scale: 0.5),
            RMSpropUpdate(parameters: view(b), gradients: view(b), squareAverage: view(b), momentumBuffer: view(b),
                          gradientAverage: view(b), hasMomentum: 1, centered: 1, rows: 2, cols: 2, learningRate: 0.01,
                          weightDecay: 0, alpha: 0.99, epsilon: 1e-8, momentum: 0.9),
            AdagradUpdate(parameters: view(b), gradients: view(b), sumOfSquares: view(b), rows: 2, cols: 2, rate: 0.01,
                          weightDecay: 0, epsilon: 1e-10),
            ZoneoutRows(previous: view(b), next: view(b), output: view(b), hasOutput: 1, batch: 2, cols: 2, probability: 0.1,
                        seed: 3, threshold: 1 << 30, training: 1, lengths: LengthsArgument(b, batch: 2, dummy: b), time: 0),
            ZoneoutBackwardRows(gradient: view(b), outputGradient: view(b), hasOutput: 1, carry: view(b), batch: 2, cols: 2,
                                seed: 3, threshold: 1 << 30, lengths: LengthsArgument(b, batch: 2, dummy: b), time: 0),
            ClipCellState(c: view(b), h: view(b), output: view(b), saved: view(b), batch: 2, hidden: 1, clip: 1,
                          lengths: LengthsArgument(b, batch: 2, dummy: b), time: 0),
            ClipCellStateBackward(saved: view(b), dGates: view(b), dcPrev: view(b), batch: 2, hidden: 1, clip: 1,
                                  lengths: LengthsArgument(b, batch: 2, dummy: b), time: 0),
            // The layer-normalised cells (layer_norm.cl).
            LayerNormRows(x: view(b), gain: view(b), normalized: view(b), output: view(b), deviation: view(b), rows: 2, cols: 2,
                          epsilon: 1e-5, unitWidth: 1),
            LayerNormBackwardRows(gradient: view(b), normalized: view(b), deviation: view(b), gain: view(b), dx: view(b),
                                  rows: 2, cols: 2, unitWidth: 1),
            SumRowProductChunks(a: view(b), b: view(b), rows: 2, cols: 2, chunkRows: 1, partials: b),
            LayerNormLSTMForward(xPart: view(b), hPart: view(b), biasIH: view(b), biasHH: view(b), hasBias: 1, cellGain: view(b),
                                 cellBias: view(b), epsilon: 1e-5, hPrev: view(b), hNext: view(b), cPrev: view(b), cNext: view(b),
                                 output: view(b), saved: view(b), hasSaved: 1, lengths: LengthsArgument(b, batch: 2, dummy: b),
                                 time: 0, batch: 2, hidden: 1, unitWidth: 1),
            LayerNormLSTMBackward(saved: view(b), dGates: view(b), cPrev: view(b), cellGain: view(b), dhNext: view(b),
                                  dcNext: view(b), dOutput: view(b), hasDOutput: 1, dCell: view(b), dhPrev: view(b),
                                  dcPrev: view(b), lengths: LengthsArgument(b, batch: 2, dummy: b), time: 0, batch: 2, hidden: 1,
                                  unitWidth: 1),
            // The device's FMA peak (peak.cl).
            FMAPeak(out: b, a: 1, b: 1, iterations: 4, workItems: 8, groupSize: 8, width: 4),
        ]
    }

    /// A 2 x 2 view at the start of `b`.
    static func view(_ b: Buffer) -> ViewArgument { ViewArgument(Matrix(b, rows: 2, cols: 2)) }

    static func forwardStep(_ mode: CellMode, _ b: Buffer) -> CellForwardStep {
        let m = Matrix(b, rows: 1, cols: 2)
        return CellForwardStep(mode: mode, xProj: m, hProj: m, biasIH: m, biasHH: m, hPrev: m, hNext: m, cPrev: m,
                               cNext: m, output: m, saved: m, lengths: b, time: 0)
    }

    /// One step (T = 1, B = 1, H = 2) of a forward sequence whose views all start at `b`.
    static func forwardSequence(_ mode: CellMode, _ b: Buffer) -> RecurrentForwardSequence {
        let gates = mode.gateCount * 2
        return RecurrentForwardSequence(
            mode: mode, steps: 1, batch: 1, reverse: false, xProj: Matrix(b, rows: 1, cols: gates),
            hiddenWeight: Matrix(b, rows: gates, cols: 2), biasIH: Matrix(b, rows: 1, cols: gates),
            biasHH: Matrix(b, rows: 1, cols: gates), hiddenStates: Matrix(b, rows: 2, cols: 2),
            cellStates: Matrix(b, rows: 2, cols: 2), output: Matrix(b, rows: 1, cols: 2),
            saved: Matrix(b, rows: 1, cols: mode.savedWidth), lengths: b)
    }

    /// One step (T = 1, B = 1, H = 2) of a backward sequence whose views all start at `b`.
    static func backwardSequence(_ mode: CellMode, _ b: Buffer) -> RecurrentBackwardSequence {
        let gates = mode.gateCount * 2
        let state = Matrix(b, rows: 1, cols: 2)
        return RecurrentBackwardSequence(
            mode: mode, steps: 1, batch: 1, reverse: false, hiddenWeight: Matrix(b, rows: gates, cols: 2),
            saved: Matrix(b, rows: 1, cols: 2 * mode.savedWidth), hiddenStates: Matrix(b, rows: 2, cols: 2),
            cellStates: Matrix(b, rows: 2, cols: 2), dOutput: state, dGatesX: Matrix(b, rows: 1, cols: gates),
            dGatesH: Matrix(b, rows: 1, cols: gates), dh: state, dc: state, dhScratch: state, dcScratch: state,
            lengths: b)
    }

    static func backwardStep(_ mode: CellMode, _ b: Buffer) -> CellBackwardStep {
        let m = Matrix(b, rows: 1, cols: 2)
        return CellBackwardStep(mode: mode, saved: m, hPrev: m, hOut: m, cPrev: m, dhNext: m, dcNext: m, dOutput: m,
                                dGatesX: m, dGatesH: m, dhPrev: m, dcPrev: m, lengths: b, time: 0)
    }
}

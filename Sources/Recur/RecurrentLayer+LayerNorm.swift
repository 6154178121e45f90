/// One direction of a layer-normalised LSTM or GRU inside `RecurrentLayer`'s forward and backward:
/// the input projection's normalisation over every step at once, the time loop
/// (LayerNormSequence.swift), and after the backward's loop the gradients of the gains and biases
/// and of the raw input projection. Shapes: T steps, B sequences, H hidden units, G gates, R = T*B.

/// What a training forward keeps of one direction's normalisations for its backward.
struct LayerNormActivations {
    /// (R, G*H): LN(x W_ih^T) before its gain.
    let inputNormalized: Matrix
    /// (1, R): its rows' 1 / sqrt(var + epsilon).
    let inputDeviation: Matrix
    /// (R, G*H): LN(h_{t-1} W_hh^T) of every step before its gain.
    let hiddenNormalized: Matrix
    /// (1, R): its rows' 1 / sqrt(var + epsilon).
    let hiddenDeviation: Matrix
}

extension RecurrentLayer {
    /// Normalises `xProj` (R, G*H) in place into a_x and runs the time loop. Returns what the
    /// backward needs, or nil without `saved` (inference).
    func forwardLayerNorm(
        _ mode: CellMode, steps: Int, batch: Int, reverse: Bool, xProj: Matrix, weights w: Weights, norms: LayerNormWeights,
        hiddenStates: Matrix, cellStates: Matrix?, output: Matrix, saved: Matrix?, lengths: (any DeviceBuffer)?,
        zoneout: ZoneoutSettings?
    ) throws -> LayerNormActivations? {
        let rows = xProj.rows, width = xProj.cols, epsilon = descriptor.layerNormEpsilon
        func block() throws -> Matrix { Matrix(try backend.makeScratchBuffer(count: rows * width), rows: rows, cols: width) }
        func deviations() throws -> Matrix { Matrix(try backend.makeScratchBuffer(count: rows), rows: 1, cols: rows) }
        let training = saved != nil
        let inputNormalized = try block(), inputDeviation = try deviations()
        try backend.layerNorm(xProj, gain: norms.inputGain, epsilon: epsilon, normalized: inputNormalized, output: xProj,
                              inverseDeviation: inputDeviation)
        let hiddenNormalized = training ? try block() : nil, hiddenDeviation = training ? try deviations() : nil
        var sequence = LayerNormForwardSequence(
            mode: mode, steps: steps, batch: batch, reverse: reverse, xPart: xProj, hiddenWeight: w.hiddenWeight,
            hiddenGain: norms.hiddenGain, biasIH: w.inputBias, biasHH: w.hiddenBias, cellGain: norms.cellGain,
            cellBias: norms.cellBias, epsilon: epsilon, hiddenStates: hiddenStates, cellStates: cellStates, output: output,
            saved: saved, hiddenNormalized: hiddenNormalized, hiddenDeviation: hiddenDeviation, lengths: lengths)
        sequence.zoneout = zoneout
        try backend.layerNormRecurrentForward(sequence)
        guard let hiddenNormalized, let hiddenDeviation else { return nil }
        return LayerNormActivations(inputNormalized: inputNormalized, inputDeviation: inputDeviation,
                                    hiddenNormalized: hiddenNormalized, hiddenDeviation: hiddenDeviation)
    }

    /// Runs the backward loop, accumulates the gradients of the biases, the gains and the LSTM's
    /// cell-state bias, and turns `dGatesX` (the gradient of a_x) into that of the raw input
    /// projection in place, ready for dW_ih and dX. Returns the gradient of the raw recurrent
    /// projection (R, G*H), which multiplies h_{t-1} into dW_hh.
    func backwardLayerNorm(
        _ mode: CellMode, steps: Int, batch: Int, reverse: Bool, weights w: Weights, norms: LayerNormWeights,
        gradients g: Weights, gradNorms: LayerNormWeights, kept: LayerNormActivations, saved: Matrix,
        hiddenStates: Matrix, cellStates: Matrix?, dOutput: Matrix?, dGatesX: Matrix, dGatesH: Matrix,
        dh: Matrix, dc: Matrix?, lengths: (any DeviceBuffer)?, zoneout: ZoneoutSettings?
    ) throws -> Matrix {
        let rows = dGatesX.rows, width = dGatesX.cols, hidden = descriptor.hiddenSize
        let dHiddenProjection = Matrix(try backend.makeScratchBuffer(count: rows * width), rows: rows, cols: width)
        let dCell = mode == .lstm ? Matrix(try backend.makeScratchBuffer(count: rows * hidden), rows: rows, cols: hidden) : nil
        var sequence = LayerNormBackwardSequence(
            mode: mode, steps: steps, batch: batch, reverse: reverse, hiddenWeight: w.hiddenWeight, hiddenGain: norms.hiddenGain,
            cellGain: norms.cellGain, saved: saved, hiddenNormalized: kept.hiddenNormalized,
            hiddenDeviation: kept.hiddenDeviation, hiddenStates: hiddenStates, cellStates: cellStates, dOutput: dOutput,
            dGatesX: dGatesX, dGatesH: dGatesH, dHiddenProjection: dHiddenProjection, dCell: dCell, dh: dh, dc: dc,
            lengths: lengths)
        sequence.zoneout = zoneout
        try backend.layerNormRecurrentBackward(sequence)
        // b_ih and b_hh add to a_x and a_h after their gains: their gradients are those of a_x and a_h.
        if let inputBias = g.inputBias, let hiddenBias = g.hiddenBias {
            try backend.sumRows(dGatesX, into: inputBias, accumulate: true)
            try backend.sumRows(dGatesH, into: hiddenBias, accumulate: true)
        }
        try backend.sumRowsOfProducts(dGatesX, kept.inputNormalized, into: gradNorms.inputGain, accumulate: true)
        try backend.sumRowsOfProducts(dGatesH, kept.hiddenNormalized, into: gradNorms.hiddenGain, accumulate: true)
        if let dCell, let cellGain = gradNorms.cellGain, let cellBias = gradNorms.cellBias {
            // n = nhat * ln_cell_weight + ln_cell_bias; nhat is kept in the saved rows (LayerNormLSTM).
            let cellNormalized = saved.columns(5 * hidden, hidden)
            try backend.sumRowsOfProducts(dCell, cellNormalized, into: cellGain, accumulate: true)
            try backend.sumRows(dCell, into: cellBias, accumulate: true)
        }
        try backend.layerNormBackward(dGatesX, normalized: kept.inputNormalized, inverseDeviation: kept.inputDeviation,
                                      gain: norms.inputGain, into: dGatesX)
        return dHiddenProjection
    }
}

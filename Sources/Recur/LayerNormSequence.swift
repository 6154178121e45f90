/// The time loop of one direction of a layer-normalised LSTM or GRU (shared/fixtures/FORMAT.md,
/// "Layer-normalised cells"). Shapes: T steps, B sequences, H hidden units, G gates.
///
/// Before the loop the layer normalises the input projection of every step at once, right after
/// its GEMM: a_x = LN(x W_ih^T) * ln_ih_weight (`Backend.layerNorm` over T*B rows). Per step:
///   1. hProj (B, G*H) = h_{t-1} W_hh^T                                          GEMM
///   2. a_h = LN(hProj) * ln_hh_weight, in place; its rows' normalisation kept   `layerNorm`
///   3. the fused cell: the LSTM's with its cell-state normalisation            `layerNormLSTMForward`
///      (LayerNormCell.swift), or PyTorch's GRU cell unchanged on a_x and a_h   `cellForward`
/// The backward runs each step in reverse: the fused cell's backward (the gradients of a_x and a_h),
/// the normalisation's backward to the raw recurrent projection (`layerNormBackward`), and
/// dh_{t-1} += that W_hh. After the loop `RecurrentLayer` turns the gradients of a_x into those of
/// the raw input projection with one `layerNormBackward` over all steps, and sums the gains'
/// gradients with `sumRowsOfProducts`.

/// The forward loop of a layer-normalised direction.
public struct LayerNormForwardSequence {
    /// `.lstm` or `.gru`.
    public var mode: CellMode
    /// T: the time steps run.
    public var steps: Int
    /// B: the sequences, rows of each step.
    public var batch: Int
    /// The reverse direction of a bidirectional layer: t runs from T-1 down to 0.
    public var reverse: Bool
    /// (T*B, G*H): a_x of every step.
    public var xPart: Matrix
    /// (G*H, H): W_hh.
    public var hiddenWeight: Matrix
    /// (1, G*H): ln_hh_weight.
    public var hiddenGain: Matrix
    /// (1, G*H) each, or nil without bias.
    public var biasIH: Matrix?
    /// (1, G*H): b_hh, or nil without bias.
    public var biasHH: Matrix?
    /// (1, H) each: the LSTM's ln_cell_weight and ln_cell_bias; nil for the GRU.
    public var cellGain: Matrix?
    /// (1, H): ln_cell_bias; nil for the GRU.
    public var cellBias: Matrix?
    /// The normalisations' epsilon.
    public var epsilon: Float
    /// ((T+1)*B, H): slots as in `RecurrentForwardSequence.hiddenStates`.
    public var hiddenStates: Matrix
    /// ((T+1)*B, H): the LSTM's c, same slots; nil for the GRU.
    public var cellStates: Matrix?
    /// (T*B, H): the layer output of this direction.
    public var output: Matrix
    /// Training only (nil for inference): the cell's saved activations (T*B, S): the LSTM's
    /// `LayerNormLSTM.savedWidth`, the GRU's `CellMode.savedWidth` * H.
    public var saved: Matrix?
    /// Training only: (T*B, G*H) the normalised recurrent projection of every step, before its gain.
    public var hiddenNormalized: Matrix?
    /// Training only: (1, T*B) its rows' 1 / sqrt(var + epsilon).
    public var hiddenDeviation: Matrix?
    /// (B) Int32 lengths, or nil.
    public var lengths: (any DeviceBuffer)?
    /// Zoneout after each cell step, or nil.
    public var zoneout: ZoneoutSettings? = nil

    /// Memberwise (`zoneout` is set apart).
    public init(mode: CellMode, steps: Int, batch: Int, reverse: Bool, xPart: Matrix, hiddenWeight: Matrix,
                hiddenGain: Matrix, biasIH: Matrix?, biasHH: Matrix?, cellGain: Matrix?, cellBias: Matrix?, epsilon: Float,
                hiddenStates: Matrix, cellStates: Matrix?, output: Matrix, saved: Matrix?, hiddenNormalized: Matrix?,
                hiddenDeviation: Matrix?, lengths: (any DeviceBuffer)?) {
        self.mode = mode; self.steps = steps; self.batch = batch; self.reverse = reverse; self.xPart = xPart
        self.hiddenWeight = hiddenWeight; self.hiddenGain = hiddenGain; self.biasIH = biasIH; self.biasHH = biasHH
        self.cellGain = cellGain; self.cellBias = cellBias; self.epsilon = epsilon; self.hiddenStates = hiddenStates
        self.cellStates = cellStates; self.output = output; self.saved = saved; self.hiddenNormalized = hiddenNormalized
        self.hiddenDeviation = hiddenDeviation; self.lengths = lengths
    }

    /// H, from W_hh.
    public var hidden: Int { hiddenWeight.cols }
}

/// The backward loop of a layer-normalised direction (see the top of this file).
public struct LayerNormBackwardSequence {
    /// `.lstm` or `.gru`.
    public var mode: CellMode
    /// T: the time steps run.
    public var steps: Int
    /// B: the sequences, rows of each step.
    public var batch: Int
    /// The reverse direction, as in the forward it mirrors.
    public var reverse: Bool
    /// (G*H, H): W_hh.
    public var hiddenWeight: Matrix
    /// (1, G*H): ln_hh_weight.
    public var hiddenGain: Matrix
    /// (1, H): the LSTM's ln_cell_weight; nil for the GRU.
    public var cellGain: Matrix?
    /// The forward's saved activations, normalised recurrent projections and their deviations.
    public var saved: Matrix
    /// (T*B, G*H), as in `LayerNormForwardSequence`.
    public var hiddenNormalized: Matrix
    /// (1, T*B), as in `LayerNormForwardSequence`.
    public var hiddenDeviation: Matrix
    /// The forward's state sequences.
    public var hiddenStates: Matrix
    /// The forward's c sequence; nil for the GRU.
    public var cellStates: Matrix?
    /// (T*B, H): gradient of this direction's output, or nil for none.
    public var dOutput: Matrix?
    /// (T*B, G*H): written, the gradient of a_x (and of b_ih).
    public var dGatesX: Matrix
    /// (T*B, G*H): written, the gradient of a_h (and of b_hh); the LSTM's may be `dGatesX` itself.
    public var dGatesH: Matrix
    /// (T*B, G*H): written, the gradient of the raw recurrent projection h_{t-1} W_hh^T (for dW_hh).
    public var dHiddenProjection: Matrix
    /// (T*B, H): written, the LSTM's gradient of LN(c') * ln_cell_weight + ln_cell_bias; nil for the GRU.
    public var dCell: Matrix?
    /// (B, H): on entry the gradient of h_n, on return the gradient of h0.
    public var dh: Matrix
    /// (B, H): the same for c (LSTM); nil for the GRU.
    public var dc: Matrix?
    /// (B) Int32 lengths, or nil.
    public var lengths: (any DeviceBuffer)?
    /// The forward's zoneout (training masks), or nil.
    public var zoneout: ZoneoutSettings? = nil

    /// Memberwise (`zoneout` is set apart).
    public init(mode: CellMode, steps: Int, batch: Int, reverse: Bool, hiddenWeight: Matrix, hiddenGain: Matrix,
                cellGain: Matrix?, saved: Matrix, hiddenNormalized: Matrix, hiddenDeviation: Matrix, hiddenStates: Matrix,
                cellStates: Matrix?, dOutput: Matrix?, dGatesX: Matrix, dGatesH: Matrix, dHiddenProjection: Matrix,
                dCell: Matrix?, dh: Matrix, dc: Matrix?, lengths: (any DeviceBuffer)?) {
        self.mode = mode; self.steps = steps; self.batch = batch; self.reverse = reverse; self.hiddenWeight = hiddenWeight
        self.hiddenGain = hiddenGain; self.cellGain = cellGain; self.saved = saved; self.hiddenNormalized = hiddenNormalized
        self.hiddenDeviation = hiddenDeviation; self.hiddenStates = hiddenStates; self.cellStates = cellStates
        self.dOutput = dOutput; self.dGatesX = dGatesX; self.dGatesH = dGatesH; self.dHiddenProjection = dHiddenProjection
        self.dCell = dCell; self.dh = dh; self.dc = dc; self.lengths = lengths
    }

    /// H, from W_hh.
    public var hidden: Int { hiddenWeight.cols }
}

extension Backend {
    /// The forward loop of a layer-normalised direction, step by step as the top of this file says.
    public func layerNormRecurrentForward(_ s: LayerNormForwardSequence) throws {
        let b = s.batch, hidden = s.hidden, width = s.mode.gateCount * hidden
        let hProj = Matrix(try makeScratchBuffer(count: b * width), rows: b, cols: width)
        // Inference keeps no normalisation: one step's worth of scratch.
        let scratchNormalized = s.hiddenNormalized == nil ? Matrix(try makeScratchBuffer(count: b * width), rows: b, cols: width) : nil
        let scratchDeviation = s.hiddenDeviation == nil ? Matrix(try makeScratchBuffer(count: b), rows: 1, cols: b) : nil
        for step in 0..<s.steps {
            let t = s.reverse ? s.steps - 1 - step : step
            let prev = (s.reverse ? t + 1 : t) * b, next = (s.reverse ? t : t + 1) * b
            let hPrev = s.hiddenStates.rows(prev, b), hNext = s.hiddenStates.rows(next, b)
            try gemm(transA: false, transB: true, alpha: 1, hPrev, s.hiddenWeight, beta: 0, hProj)
            try layerNorm(hProj, gain: s.hiddenGain, epsilon: s.epsilon,
                          normalized: s.hiddenNormalized?.rows(t * b, b) ?? scratchNormalized!, output: hProj,
                          inverseDeviation: s.hiddenDeviation?.columns(t * b, b) ?? scratchDeviation!)
            let xPart = s.xPart.rows(t * b, b), output = s.output.rows(t * b, b), saved = s.saved?.rows(t * b, b)
            if s.mode == .lstm, let cellGain = s.cellGain, let cellBias = s.cellBias, let cs = s.cellStates {
                try layerNormLSTMForward(LayerNormLSTMForwardStep(
                    xPart: xPart, hPart: hProj, biasIH: s.biasIH, biasHH: s.biasHH, cellGain: cellGain, cellBias: cellBias,
                    epsilon: s.epsilon, hPrev: hPrev, hNext: hNext, cPrev: cs.rows(prev, b), cNext: cs.rows(next, b),
                    output: output, saved: saved, lengths: s.lengths, time: t))
            } else {
                precondition(s.mode == .gru, "a layer-normalised cell other than the LSTM and the GRU")
                try cellForward(CellForwardStep(
                    mode: .gru, xProj: xPart, hProj: hProj, biasIH: s.biasIH, biasHH: s.biasHH, hPrev: hPrev, hNext: hNext,
                    cPrev: nil, cNext: nil, output: output, saved: saved, lengths: s.lengths, time: t))
            }
            if let z = s.zoneout {
                try applyZoneout(z, hPrev: hPrev, hNext: hNext, cPrev: s.cellStates?.rows(prev, b),
                                 cNext: s.cellStates?.rows(next, b), output: output, time: t, lengths: s.lengths)
            }
        }
    }

    /// The backward loop of a layer-normalised direction (see the top of this file).
    public func layerNormRecurrentBackward(_ s: LayerNormBackwardSequence) throws {
        let b = s.batch, hidden = s.hidden
        var dh = (s.dh, Matrix(try makeScratchBuffer(count: b * hidden), rows: b, cols: hidden))
        var dc = try s.dc.map { ($0, Matrix(try makeScratchBuffer(count: b * hidden), rows: b, cols: hidden)) }
        let carry = s.zoneout == nil ? nil : try zoneoutCarry(batch: b, hidden: hidden, cell: s.dc != nil)
        for step in 0..<s.steps {
            let t = s.reverse ? step : s.steps - 1 - step
            let prev = (s.reverse ? t + 1 : t) * b, next = (s.reverse ? t : t + 1) * b
            let rows = t * b
            var dOutput = s.dOutput?.rows(rows, b)
            if let z = s.zoneout, let carry {
                // The output's gradient is folded into dh, which the cell then takes alone.
                try zoneoutGradients(z, dh: dh.0, dOutput: dOutput, dc: dc?.0, into: carry, time: t, lengths: s.lengths)
                dOutput = nil
            }
            if s.mode == .lstm, let cellGain = s.cellGain, let cs = s.cellStates, let dCell = s.dCell, let pair = dc {
                try layerNormLSTMBackward(LayerNormLSTMBackwardStep(
                    saved: s.saved.rows(rows, b), cPrev: cs.rows(prev, b), cellGain: cellGain, dhNext: dh.0, dcNext: pair.0,
                    dOutput: dOutput, dGates: s.dGatesX.rows(rows, b), dCell: dCell.rows(rows, b), dhPrev: dh.1,
                    dcPrev: pair.1, lengths: s.lengths, time: t))
            } else {
                precondition(s.mode == .gru, "a layer-normalised cell other than the LSTM and the GRU")
                try cellBackward(CellBackwardStep(
                    mode: .gru, saved: s.saved.rows(rows, b), hPrev: s.hiddenStates.rows(prev, b),
                    hOut: s.hiddenStates.rows(next, b), cPrev: nil, dhNext: dh.0, dcNext: nil, dOutput: dOutput,
                    dGatesX: s.dGatesX.rows(rows, b), dGatesH: s.dGatesH.rows(rows, b), dhPrev: dh.1, dcPrev: nil,
                    lengths: s.lengths, time: t))
            }
            let dRaw = s.dHiddenProjection.rows(rows, b)
            try layerNormBackward(s.dGatesH.rows(rows, b), normalized: s.hiddenNormalized.rows(rows, b),
                                  inverseDeviation: s.hiddenDeviation.columns(rows, b), gain: s.hiddenGain, into: dRaw)
            try gemm(transA: false, transB: false, alpha: 1, dRaw, s.hiddenWeight, beta: 1, dh.1)
            if let carry { try addZoneoutCarry(carry, dhPrev: dh.1, dcPrev: dc?.1) }
            dh = (dh.1, dh.0)
            if let pair = dc { dc = (pair.1, pair.0) }
        }
        if s.steps % 2 == 1 {
            try copy(dh.0, to: s.dh)
            if let pair = dc, let target = s.dc { try copy(pair.0, to: target) }
        }
    }
}

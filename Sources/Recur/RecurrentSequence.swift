/// The time loop of one direction of one layer: the part of BPTT that runs step by step.
///
/// `RecurrentLayer` hands a backend the whole loop at once (after the input projection in the
/// forward, before the weight-gradient GEMMs in the backward), so that a backend may run it faster
/// than one recurrent GEMM and one cell step per time step: DESIGN.md allows "a persistent kernel
/// for small batches". The per-step form below is the definition, and the implementation of every
/// backend that does not replace it. Shapes: T steps, B sequences, H hidden units, G gates,
/// S saved activations per hidden unit (`CellMode.savedWidth`).

/// Zoneout's (B, H) carried gradients of h and of the LSTM's c (`Backend.zoneoutBackward`).
struct ZoneoutCarry {
    let h: Matrix
    let c: Matrix?
}

/// Zoneout of one layer direction's states (`RNNDescriptor.zoneout`), applied by the per-step loops
/// after each cell step (`Backend.zoneout`): h, and the LSTM's c with masks of their own.
public struct ZoneoutSettings: Sendable, Equatable {
    /// p: the probability that a unit keeps its previous value.
    public var probability: Float
    /// The masks' seeds (`ZoneoutMask.seed`).
    public var hiddenSeed: UInt32
    /// The LSTM's c's masks.
    public var cellSeed: UInt32
    /// Random masks in training; the expectation p * previous + (1 - p) * new otherwise.
    public var training: Bool

    /// Memberwise.
    public init(probability: Float, hiddenSeed: UInt32, cellSeed: UInt32, training: Bool) {
        self.probability = probability; self.hiddenSeed = hiddenSeed; self.cellSeed = cellSeed; self.training = training
    }
}

/// The forward loop: for each step t in order (reversed for the reverse direction),
/// hProj = h_{t-1} W_hh^T, then one `CellForwardStep`, then zoneout when the layer has it.
public struct RecurrentForwardSequence {
    /// The cell, which selects the `CellForwardStep` equations.
    public var mode: CellMode
    /// T: the time steps run.
    public var steps: Int
    /// B: the sequences, rows of each step.
    public var batch: Int
    /// The reverse direction of a bidirectional layer: t runs from T-1 down to 0.
    public var reverse: Bool
    /// (T*B, G*H): x_t W_ih^T of every step, rows t*B ..< (t+1)*B for step t; no bias.
    public var xProj: Matrix
    /// (G*H, H): W_hh.
    public var hiddenWeight: Matrix
    /// (1, G*H) each, or nil without bias.
    public var biasIH: Matrix?
    /// (1, G*H): b_hh, or nil without bias.
    public var biasHH: Matrix?
    /// ((T+1)*B, H): slot s is rows s*B ..< (s+1)*B. Forward: slot 0 holds h0 on entry and slot
    /// t+1 receives h_t. Reverse: slot T holds h0 and slot t receives h_t.
    public var hiddenStates: Matrix
    /// Same layout for the LSTM's c; nil for other cells.
    public var cellStates: Matrix?
    /// (T*B, H): the layer output of this direction (usually a column view of y).
    public var output: Matrix
    /// (T*B, S*H): activations for the backward; nil for inference. May share its first G*H
    /// columns with `xProj` (see `CellForwardStep.saved`).
    public var saved: Matrix?
    /// (B) Int32 lengths, or nil.
    public var lengths: (any DeviceBuffer)?
    /// Zoneout, or nil. Only the per-step loop (`recurrentForwardPerStep`) applies it; the layer
    /// runs that loop whenever it is set.
    public var zoneout: ZoneoutSettings?
    /// The LSTM's cell clip (`RNNDescriptor.cellClip`), or nil; per-step loop only, like zoneout.
    /// `saved` is then present in inference too (the clip reads o from it).
    public var cellClip: Float? = nil

    /// Memberwise.
    public init(
        mode: CellMode, steps: Int, batch: Int, reverse: Bool, xProj: Matrix, hiddenWeight: Matrix,
        biasIH: Matrix?, biasHH: Matrix?, hiddenStates: Matrix, cellStates: Matrix?, output: Matrix,
        saved: Matrix?, lengths: (any DeviceBuffer)?, zoneout: ZoneoutSettings? = nil
    ) {
        self.mode = mode; self.steps = steps; self.batch = batch; self.reverse = reverse; self.xProj = xProj
        self.hiddenWeight = hiddenWeight; self.biasIH = biasIH; self.biasHH = biasHH
        self.hiddenStates = hiddenStates; self.cellStates = cellStates; self.output = output
        self.saved = saved; self.lengths = lengths; self.zoneout = zoneout
    }

    /// H, from `hiddenWeight`.
    public var hidden: Int { hiddenWeight.cols }

    /// Time index of the `step`-th step run.
    public func time(ofStep step: Int) -> Int { reverse ? steps - 1 - step : step }
    /// First row of the state slot read (previous) and written (next) at time t.
    public func previousSlotRow(time t: Int) -> Int { (reverse ? t + 1 : t) * batch }
    /// First row of the state slot written at time t.
    public func nextSlotRow(time t: Int) -> Int { (reverse ? t : t + 1) * batch }

    /// Step t's cell step, with `hProj` the (B, G*H) product h_{t-1} W_hh^T.
    public func cellStep(time t: Int, hProj: Matrix) -> CellForwardStep {
        let prev = previousSlotRow(time: t), next = nextSlotRow(time: t)
        return CellForwardStep(
            mode: mode, xProj: xProj.rows(t * batch, batch), hProj: hProj, biasIH: biasIH, biasHH: biasHH,
            hPrev: hiddenStates.rows(prev, batch), hNext: hiddenStates.rows(next, batch),
            cPrev: cellStates?.rows(prev, batch), cNext: cellStates?.rows(next, batch),
            output: output.rows(t * batch, batch), saved: saved?.rows(t * batch, batch), lengths: lengths, time: t)
    }
}

/// The backward loop: for each step in the reverse of the forward's order, one `CellBackwardStep`,
/// then dh_{t-1} += dGatesH_t W_hh.
public struct RecurrentBackwardSequence {
    /// The cell, which selects the `CellBackwardStep` derivatives.
    public var mode: CellMode
    /// T: the time steps run.
    public var steps: Int
    /// B: the sequences, rows of each step.
    public var batch: Int
    /// The reverse direction of a bidirectional layer, as in the forward it mirrors.
    public var reverse: Bool
    /// (G*H, H): W_hh.
    public var hiddenWeight: Matrix
    /// (T*B, S*H) saved by the training forward; nil for Elman cells (S = 0).
    public var saved: Matrix?
    /// The forward's state sequences (`RecurrentForwardSequence`'s layout).
    public var hiddenStates: Matrix
    /// The forward's LSTM c states, same layout; nil for other cells.
    public var cellStates: Matrix?
    /// (T*B, H): gradient of this direction's output, or nil for none.
    public var dOutput: Matrix?
    /// (T*B, G*H): written, gradients of the pre-activations (see `CellBackwardStep`). dGatesH is
    /// the same view as dGatesX for Elman and LSTM cells (only the GRU's differ); backends may
    /// write just one of them then. dGatesX may be the first G*H columns of `saved`
    /// (`RecurrentLayer`'s backward puts it there): a step reads a unit's saved activations before
    /// it writes that unit's gate gradients.
    public var dGatesX: Matrix
    /// (T*B, G*H): written, the hidden-side gradients; may be the same view as `dGatesX` (see above).
    public var dGatesH: Matrix
    /// (B, H): on entry the gradient of h_n (of c_n), on return the gradient of h0 (of c0).
    public var dh: Matrix
    /// (B, H): as `dh`, for the LSTM's c; nil for other cells.
    public var dc: Matrix?
    /// (B, H) each: scratch of the same shape as dh and dc.
    public var dhScratch: Matrix
    /// (B, H): scratch for `dc`; nil when `dc` is.
    public var dcScratch: Matrix?
    /// (B) Int32 lengths, or nil.
    public var lengths: (any DeviceBuffer)?
    /// The forward's zoneout (training masks), or nil; only `recurrentBackwardPerStep` applies it.
    public var zoneout: ZoneoutSettings?
    /// The forward's cell clip, or nil; per-step loop only.
    public var cellClip: Float? = nil

    /// Memberwise.
    public init(
        mode: CellMode, steps: Int, batch: Int, reverse: Bool, hiddenWeight: Matrix, saved: Matrix?,
        hiddenStates: Matrix, cellStates: Matrix?, dOutput: Matrix?, dGatesX: Matrix, dGatesH: Matrix,
        dh: Matrix, dc: Matrix?, dhScratch: Matrix, dcScratch: Matrix?, lengths: (any DeviceBuffer)?,
        zoneout: ZoneoutSettings? = nil
    ) {
        self.mode = mode; self.steps = steps; self.batch = batch; self.reverse = reverse
        self.hiddenWeight = hiddenWeight; self.saved = saved; self.hiddenStates = hiddenStates
        self.cellStates = cellStates; self.dOutput = dOutput; self.dGatesX = dGatesX; self.dGatesH = dGatesH
        self.dh = dh; self.dc = dc; self.dhScratch = dhScratch; self.dcScratch = dcScratch; self.lengths = lengths
        self.zoneout = zoneout
    }

    /// H, from `hiddenWeight`.
    public var hidden: Int { hiddenWeight.cols }

    /// Time index of the `step`-th step run (the forward's order reversed).
    public func time(ofStep step: Int) -> Int { reverse ? step : steps - 1 - step }

    /// Step t's cell step: gradients arrive in dhNext (dcNext) and leave in dhPrev (dcPrev).
    public func cellStep(time t: Int, dhNext: Matrix, dcNext: Matrix?, dhPrev: Matrix, dcPrev: Matrix?) -> CellBackwardStep {
        let prev = (reverse ? t + 1 : t) * batch, next = (reverse ? t : t + 1) * batch
        return CellBackwardStep(
            mode: mode, saved: saved?.rows(t * batch, batch), hPrev: hiddenStates.rows(prev, batch),
            hOut: hiddenStates.rows(next, batch), cPrev: cellStates?.rows(prev, batch),
            dhNext: dhNext, dcNext: dcNext, dOutput: dOutput?.rows(t * batch, batch),
            dGatesX: dGatesX.rows(t * batch, batch), dGatesH: dGatesH.rows(t * batch, batch),
            dhPrev: dhPrev, dcPrev: dcPrev, lengths: lengths, time: t)
    }
}

extension Backend {
    /// Default `Backend.recurrentForward`: the definition, `recurrentForwardPerStep`.
    public func recurrentForward(_ sequence: RecurrentForwardSequence) throws {
        try recurrentForwardPerStep(sequence)
    }

    /// Default `Backend.recurrentBackward`: the definition, `recurrentBackwardPerStep`.
    public func recurrentBackward(_ sequence: RecurrentBackwardSequence) throws {
        try recurrentBackwardPerStep(sequence)
    }

    /// The per-step forward loop with its (B, G*H) hProj in a scratch buffer of its own.
    public func recurrentForwardPerStep(_ s: RecurrentForwardSequence) throws {
        let width = s.mode.gateCount * s.hidden
        let hProj = Matrix(try makeScratchBuffer(count: s.batch * width), rows: s.batch, cols: width)
        try recurrentForwardPerStep(s, hProj: hProj)
    }

    /// The forward loop as the definition states it: one recurrent GEMM and one cell step per time
    /// step. `hProj` is (B, G*H) scratch.
    public func recurrentForwardPerStep(_ s: RecurrentForwardSequence, hProj: Matrix) throws {
        for step in 0..<s.steps {
            let t = s.time(ofStep: step)
            let hPrev = s.hiddenStates.rows(s.previousSlotRow(time: t), s.batch)
            try gemm(transA: false, transB: true, alpha: 1, hPrev, s.hiddenWeight, beta: 0, hProj)
            let cell = s.cellStep(time: t, hProj: hProj)
            try cellForward(cell)
            if let clip = s.cellClip, let cNext = cell.cNext, let saved = cell.saved {
                try clipCellState(cNext, hNext: cell.hNext, output: cell.output, saved: saved, clip: clip, time: t,
                                  lengths: s.lengths)
            }
            if let z = s.zoneout { try applyZoneout(z, hPrev: cell.hPrev, hNext: cell.hNext, cPrev: cell.cPrev, cNext: cell.cNext,
                                                    output: cell.output, time: t, lengths: s.lengths) }
        }
    }

    /// Zoneout after a cell step: h (and the layer output with it), then the LSTM's c.
    func applyZoneout(_ z: ZoneoutSettings, hPrev: Matrix, hNext: Matrix, cPrev: Matrix?, cNext: Matrix?, output: Matrix,
                      time: Int, lengths: (any DeviceBuffer)?) throws {
        try zoneout(hPrev, hNext, output: output, probability: z.probability, seed: z.hiddenSeed, training: z.training,
                    time: time, lengths: lengths)
        if let cPrev, let cNext {
            try zoneout(cPrev, cNext, output: nil, probability: z.probability, seed: z.cellSeed, training: z.training,
                        time: time, lengths: lengths)
        }
    }

    /// (B, H) scratch for zoneout's carried gradients of h and (LSTM) c, made once per loop.
    func zoneoutCarry(batch: Int, hidden: Int, cell: Bool) throws -> ZoneoutCarry {
        func block() throws -> Matrix { Matrix(try makeScratchBuffer(count: batch * hidden), rows: batch, cols: hidden) }
        return ZoneoutCarry(h: try block(), c: cell ? try block() : nil)
    }

    /// Zoneout's backward before a cell step's: the gradients of h (with the output's folded in) and
    /// of c split into the part that reaches the cell and the part `carry` takes straight to the
    /// previous state (`addZoneoutCarry`, after the cell's backward and the recurrent GEMM).
    func zoneoutGradients(_ z: ZoneoutSettings, dh: Matrix, dOutput: Matrix?, dc: Matrix?, into carry: ZoneoutCarry,
                          time: Int, lengths: (any DeviceBuffer)?) throws {
        try zoneoutBackward(dh, outputGradient: dOutput, carry: carry.h, probability: z.probability, seed: z.hiddenSeed,
                            time: time, lengths: lengths)
        if let dc, let carryC = carry.c {
            try zoneoutBackward(dc, outputGradient: nil, carry: carryC, probability: z.probability, seed: z.cellSeed,
                                time: time, lengths: lengths)
        }
    }

    /// Adds the carried gradients to those of the previous h and c.
    func addZoneoutCarry(_ carry: ZoneoutCarry, dhPrev: Matrix, dcPrev: Matrix?) throws {
        try axpy(alpha: 1, carry.h, dhPrev)
        if let carryC = carry.c, let dcPrev { try axpy(alpha: 1, carryC, dcPrev) }
    }

    /// The backward loop as the definition states it: one cell step and one recurrent GEMM per step.
    public func recurrentBackwardPerStep(_ s: RecurrentBackwardSequence) throws {
        let carry = s.zoneout == nil ? nil : try zoneoutCarry(batch: s.batch, hidden: s.hidden, cell: s.dc != nil)
        var dh = (s.dh, s.dhScratch)
        var dc = s.dc.map { ($0, s.dcScratch!) }
        for step in 0..<s.steps {
            let t = s.time(ofStep: step)
            var cell = s.cellStep(time: t, dhNext: dh.0, dcNext: dc?.0, dhPrev: dh.1, dcPrev: dc?.1)
            if let z = s.zoneout, let carry {
                // The output's gradient is folded into dh, which the cell then takes alone.
                try zoneoutGradients(z, dh: dh.0, dOutput: cell.dOutput, dc: dc?.0, into: carry, time: t, lengths: s.lengths)
                cell.dOutput = nil
            }
            try cellBackward(cell)
            if let clip = s.cellClip, let saved = cell.saved, let dcPrev = cell.dcPrev {
                try clipCellStateBackward(saved, dGates: cell.dGatesX, dcPrev: dcPrev, clip: clip, time: t, lengths: s.lengths)
            }
            try gemm(transA: false, transB: false, alpha: 1, s.dGatesH.rows(t * s.batch, s.batch), s.hiddenWeight,
                     beta: 1, dh.1)
            if let carry { try addZoneoutCarry(carry, dhPrev: dh.1, dcPrev: dc?.1) }
            dh = (dh.1, dh.0)
            if let pair = dc { dc = (pair.1, pair.0) }
        }
        try moveBackwardResult(s)
    }

    /// The backward loops swap dh (dc) with its scratch after every step, so after an odd number
    /// of steps the gradient of h0 (c0) sits in the scratch buffers: copies it to dh (dc).
    public func moveBackwardResult(_ s: RecurrentBackwardSequence) throws {
        guard s.steps % 2 == 1 else { return }
        try copy(s.dhScratch, to: s.dh)
        if let dc = s.dc, let scratch = s.dcScratch { try copy(scratch, to: dc) }
    }
}

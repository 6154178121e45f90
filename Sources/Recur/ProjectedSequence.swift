/// The time loop of one direction of an LSTM layer with a projection (PyTorch's `proj_size`,
/// LSTMP): the cell runs on H units, and the state it carries and outputs is h_t = W_hr r_t, with
/// r_t = o_t * tanh(c_t) the cell's own output. Shapes: T steps, B sequences, H hidden units,
/// P = projection size, S = 5 saved activations per unit (`CellMode.savedWidth`).
///
/// Forward, per step t (reversed for the reverse direction):
///   1. hProj (B, 4H) = h_{t-1} (B, P) W_hh^T                                 GEMM
///   2. the fused LSTM cell step on H units: c_t, r_t (zero past each length)   `cellForward`
///   3. h_t (B, P) = r_t W_hr^T; output_t = h_t (zero past each length)         GEMM, copy
///   4. rows whose sequence has ended keep h_{t-1}                              `carryPastLength`
/// Backward, per step in the reverse order, with dh the gradient arriving at h_t:
///   1. dTotal_t (B, P) = dY_t + dh, kept for dW_hr                             axpy
///   2. dr (B, H) = dTotal_t W_hr                                               GEMM
///   3. the fused LSTM cell backward with dr as the gradient of its output      `cellBackward`
///   4. dh_{t-1} (B, P) = dGatesH_t W_hh; ended rows pass dh through            GEMM, `carryPastLength`
/// and after the loop dW_hr (P, H) += dTotal^T R, one GEMM over all steps (R is zero past each
/// length, so what dTotal holds there adds nothing).
///
/// Every step is made of operations every backend has, so the loop is the same on all of them: the
/// cell is fused, the projection is a GEMM. A persistent loop for projected layers, like the
/// plain cells' (`Backend.recurrentForward`), does not exist yet.

/// The forward loop of a projected LSTM direction.
public struct ProjectedForwardSequence {
    /// T: the time steps run.
    public var steps: Int
    /// B: the sequences, rows of each step.
    public var batch: Int
    /// The reverse direction of a bidirectional layer: t runs from T-1 down to 0.
    public var reverse: Bool
    /// (T*B, 4H): x_t W_ih^T of every step, no bias.
    public var xProj: Matrix
    /// (4H, P): W_hh.
    public var hiddenWeight: Matrix
    /// (P, H): W_hr.
    public var projection: Matrix
    /// (1, 4H) each, or nil without bias.
    public var biasIH: Matrix?
    /// (1, 4H): b_hh, or nil without bias.
    public var biasHH: Matrix?
    /// ((T+1)*B, P): the projected states, slots as in `RecurrentForwardSequence.hiddenStates`.
    public var hiddenStates: Matrix
    /// ((T+1)*B, H): the cell states, same slots.
    public var cellStates: Matrix
    /// (T*B, H) in training: r_t of every step (zero past each length), for the backward;
    /// (B, H) in inference, overwritten each step.
    public var cellOutputs: Matrix
    /// (T*B, P): the layer output of this direction (usually a column view of y).
    public var output: Matrix
    /// (T*B, 5H): activations for the backward, or nil for inference; its first 4H columns may be `xProj`.
    public var saved: Matrix?
    /// (B) Int32 lengths, or nil.
    public var lengths: (any DeviceBuffer)?

    /// Memberwise.
    public init(
        steps: Int, batch: Int, reverse: Bool, xProj: Matrix, hiddenWeight: Matrix, projection: Matrix,
        biasIH: Matrix?, biasHH: Matrix?, hiddenStates: Matrix, cellStates: Matrix, cellOutputs: Matrix,
        output: Matrix, saved: Matrix?, lengths: (any DeviceBuffer)?
    ) {
        self.steps = steps; self.batch = batch; self.reverse = reverse; self.xProj = xProj
        self.hiddenWeight = hiddenWeight; self.projection = projection; self.biasIH = biasIH; self.biasHH = biasHH
        self.hiddenStates = hiddenStates; self.cellStates = cellStates; self.cellOutputs = cellOutputs
        self.output = output; self.saved = saved; self.lengths = lengths
    }

    /// H, from W_hr.
    public var hidden: Int { projection.cols }
    /// P, from W_hr.
    public var projected: Int { projection.rows }
}

/// The backward loop of a projected LSTM direction (see the top of this file).
public struct ProjectedBackwardSequence {
    /// T: the time steps run.
    public var steps: Int
    /// B: the sequences, rows of each step.
    public var batch: Int
    /// The reverse direction, as in the forward it mirrors.
    public var reverse: Bool
    /// (4H, P): W_hh.
    public var hiddenWeight: Matrix
    /// (P, H): W_hr.
    public var projection: Matrix
    /// (P, H): dW_hr, accumulated.
    public var projectionGradient: Matrix
    /// (T*B, 5H) saved by the training forward.
    public var saved: Matrix
    /// The forward's cell states ((T+1)*B, H).
    public var cellStates: Matrix
    /// The forward's r_t of every step (T*B, H).
    public var cellOutputs: Matrix
    /// (T*B, P): gradient of this direction's output, or nil for none.
    public var dOutput: Matrix?
    /// (T*B, 4H): written, the gate gradients (dGatesH is the same view: the LSTM's are equal).
    public var dGates: Matrix
    /// (B, P): on entry the gradient of h_n, on return the gradient of h0.
    public var dh: Matrix
    /// (B, H): on entry the gradient of c_n, on return the gradient of c0.
    public var dc: Matrix
    /// (B) Int32 lengths, or nil.
    public var lengths: (any DeviceBuffer)?

    /// Memberwise.
    public init(
        steps: Int, batch: Int, reverse: Bool, hiddenWeight: Matrix, projection: Matrix, projectionGradient: Matrix,
        saved: Matrix, cellStates: Matrix, cellOutputs: Matrix, dOutput: Matrix?, dGates: Matrix, dh: Matrix,
        dc: Matrix, lengths: (any DeviceBuffer)?
    ) {
        self.steps = steps; self.batch = batch; self.reverse = reverse; self.hiddenWeight = hiddenWeight
        self.projection = projection; self.projectionGradient = projectionGradient; self.saved = saved
        self.cellStates = cellStates; self.cellOutputs = cellOutputs; self.dOutput = dOutput; self.dGates = dGates
        self.dh = dh; self.dc = dc; self.lengths = lengths
    }

    /// H, from W_hr.
    public var hidden: Int { projection.cols }
    /// P, from W_hr.
    public var projected: Int { projection.rows }
}

extension Backend {
    /// The forward loop of a projected LSTM direction, step by step as the top of this file says.
    public func projectedRecurrentForward(_ s: ProjectedForwardSequence) throws {
        let b = s.batch, hidden = s.hidden, gates = 4 * hidden
        let hProj = Matrix(try makeScratchBuffer(count: b * gates), rows: b, cols: gates)
        // The cell's own h: nothing reads it (the projection is taken from its output, which is
        // zero past each length), but the step needs a previous and a next view, zeroed so that
        // what a finished row copies is defined.
        let unusedPrevious = Matrix(try makeBuffer(count: b * hidden), rows: b, cols: hidden)
        let unusedNext = Matrix(try makeBuffer(count: b * hidden), rows: b, cols: hidden)
        let training = s.cellOutputs.rows == s.steps * b
        for step in 0..<s.steps {
            let t = s.reverse ? s.steps - 1 - step : step
            let prev = (s.reverse ? t + 1 : t) * b, next = (s.reverse ? t : t + 1) * b
            let hPrev = s.hiddenStates.rows(prev, b), hNext = s.hiddenStates.rows(next, b)
            let r = training ? s.cellOutputs.rows(t * b, b) : s.cellOutputs
            try gemm(transA: false, transB: true, alpha: 1, hPrev, s.hiddenWeight, beta: 0, hProj)
            try cellForward(CellForwardStep(
                mode: .lstm, xProj: s.xProj.rows(t * b, b), hProj: hProj, biasIH: s.biasIH, biasHH: s.biasHH,
                hPrev: unusedPrevious, hNext: unusedNext, cPrev: s.cellStates.rows(prev, b),
                cNext: s.cellStates.rows(next, b), output: r, saved: s.saved?.rows(t * b, b), lengths: s.lengths, time: t))
            try gemm(transA: false, transB: true, alpha: 1, r, s.projection, beta: 0, hNext)
            try copy(hNext, to: s.output.rows(t * b, b))
            if let lengths = s.lengths { try carryPastLength(hPrev, into: hNext, lengths: lengths, time: t) }
        }
    }

    /// The backward loop of a projected LSTM direction (see the top of this file); accumulates dW_hr.
    public func projectedRecurrentBackward(_ s: ProjectedBackwardSequence) throws {
        let b = s.batch, hidden = s.hidden, projected = s.projected, rows = s.steps * b
        // dTotal (T*B, P): dY, then each step adds the gradient arriving through h_t.
        let dTotal = Matrix(try makeScratchBuffer(count: rows * projected), rows: rows, cols: projected)
        if let dOutput = s.dOutput { try copy(dOutput, to: dTotal) } else { try fill(dTotal, value: 0) }
        let dr = Matrix(try makeScratchBuffer(count: b * hidden), rows: b, cols: hidden)
        // The LSTM cell reads no h, and its direct part of dh_{t-1} is zero (past a length it is
        // the cell-side dr, which the P-wide carry below replaces): views it needs, unused.
        let unusedStates = Matrix(try makeBuffer(count: b * hidden), rows: b, cols: hidden)
        let unusedGradient = Matrix(try makeScratchBuffer(count: b * hidden), rows: b, cols: hidden)
        var dh = (s.dh, Matrix(try makeScratchBuffer(count: b * projected), rows: b, cols: projected))
        var dc = (s.dc, Matrix(try makeScratchBuffer(count: b * hidden), rows: b, cols: hidden))
        for step in 0..<s.steps {
            let t = s.reverse ? step : s.steps - 1 - step
            let prev = (s.reverse ? t + 1 : t) * b
            let total = dTotal.rows(t * b, b), dGates = s.dGates.rows(t * b, b)
            try axpy(alpha: 1, dh.0, total)
            try gemm(transA: false, transB: false, alpha: 1, total, s.projection, beta: 0, dr)
            try cellBackward(CellBackwardStep(
                mode: .lstm, saved: s.saved.rows(t * b, b), hPrev: unusedStates, hOut: unusedStates,
                cPrev: s.cellStates.rows(prev, b), dhNext: dr, dcNext: dc.0, dOutput: nil, dGatesX: dGates,
                dGatesH: dGates, dhPrev: unusedGradient, dcPrev: dc.1, lengths: s.lengths, time: t))
            try gemm(transA: false, transB: false, alpha: 1, dGates, s.hiddenWeight, beta: 0, dh.1)
            if let lengths = s.lengths { try carryPastLength(dh.0, into: dh.1, lengths: lengths, time: t) }
            dh = (dh.1, dh.0)
            dc = (dc.1, dc.0)
        }
        if s.steps % 2 == 1 {
            try copy(dh.0, to: s.dh)
            try copy(dc.0, to: s.dc)
        }
        try gemm(transA: true, transB: false, alpha: 1, dTotal, s.cellOutputs, beta: 1, s.projectionGradient)
    }
}

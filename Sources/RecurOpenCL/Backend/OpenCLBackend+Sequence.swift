import Recur

/// The recurrent time loops (Backend's `recurrentForward` / `recurrentBackward`).
///
/// On CPU devices (POCL) `.automatic` runs every batch through the whole-sequence kernels
/// (OpenCLBackend+WholeSequence.swift): one launch per layer direction and part of the batch.
/// Elsewhere (GPUs), and when a loop is forced, the loops below: large batches run the definition, one recurrent GEMM and one cell kernel per step, with hProj
/// in a reused scratch buffer. Small batches are launch-bound on POCL (a step's GEMM and cell take
/// tens of microseconds, each enqueue a few), so they run one fused kernel per step instead
/// (Kernels/*_fused_forward.cl, *_fused_backward.cl): the forward computes each unit's gate dot
/// products with h_{t-1} inside the cell kernel; the backward finishes dh_t = direct part +
/// dGatesH_{t+1} W_hh inside the next cell kernel, from W_hh^T made once per sequence, and adds
/// the last step's recurrent part with one GEMM after the loop.
extension OpenCLBackend {
    /// Which loop `.automatic` picks where the whole-sequence loop does not run: the fused one for
    /// batches up to this size (on POCL and Intel's runtime; `Implementation.fusedBatchLimit`). Training-step
    /// medians on POCL (2 shared cores, fused against per-step in the same session, LSTM, T = 64
    /// for H = 128, T = 100 or 200 for H = 256): B = 1: 2.0 against 3.5 ms (H = 128), 14.2
    /// against 14.8 ms (H = 256, T = 200); B = 2: 2.9-3.1 against 3.1-5.4 ms (H = 128), 10.8
    /// against 11.2-11.6 ms (H = 256); B = 4: 4.6-4.9 against 3.6-4.7 ms (H = 128), 18-19 against
    /// 14.3-14.7 ms (H = 256); B = 8 and up: the per-step loop wins by 1.4-2x. A fused work-item
    /// reads its unit's W_hh rows once per batch row, where the GEMM reads them once per step, so
    /// past batch 2 the extra weight traffic costs more than the launches it saves.
    static let fusedBatchLimit = 2

    /// Hidden units per work-group of the fused kernels. POCL runs a work-group on one core, so
    /// batch 1 needs several groups to use both. lstm-b1 training medians for 1, 4, 8, 16, 32,
    /// 64 and 256 units: 20.3-21.7, 17.6-19.7, 17.9, 14.0-17.6, 16.1-17.4, 15.1-17.2 and
    /// 18.2 ms (a noisy shared machine: 16 to 64 are a tie, fewer units cost launch overhead).
    static let fusedUnitsPerGroup = 32

    func runsFusedLoop(batch: Int) -> Bool {
        switch sequenceLoop {
        case .fused: true
        case .perStep, .sequence: false
        case .automatic:
            qualification.allows(.fused) && (batch <= Implementation(device).fusedBatchLimit || !qualification.allows(.perStep))
        }
    }

    /// `Backend.recurrentForward`: the whole-sequence kernels, the fused loop or the per-step definition, as above.
    public func recurrentForward(_ s: RecurrentForwardSequence) throws {
        if let parts = wholeSequenceParts(batch: s.batch) {
            try recurrentForwardWhole(s, parts: parts)
            return
        }
        guard runsFusedLoop(batch: s.batch) else {
            let width = s.mode.gateCount * s.hidden
            let hProj = Matrix(try scratchBuffer(.hiddenProjection, count: s.batch * width), rows: s.batch, cols: width)
            try recurrentForwardPerStep(s, hProj: hProj)
            return
        }
        for written in [s.hiddenStates, s.output] + [s.cellStates, s.saved].compactMap({ $0 }) {
            packCache.invalidate(ViewArgument(written).buffer)
        }
        let group = min(Self.fusedUnitsPerGroup, s.hidden)
        let cell = CellKernels(s.mode)
        for step in 0..<s.steps {
            try queue.enqueue(cell.fusedForwardLaunch(s, time: s.time(ofStep: step), unitsPerGroup: group, dummy: dummy))
        }
    }

    /// `Backend.recurrentBackward`: as `recurrentForward`; the fused loop adds the last step's recurrent part
    /// with one GEMM after it.
    public func recurrentBackward(_ s: RecurrentBackwardSequence) throws {
        if let parts = wholeSequenceParts(batch: s.batch) {
            try recurrentBackwardWhole(s, parts: parts)
            return
        }
        guard runsFusedLoop(batch: s.batch), s.steps > 0 else {
            try recurrentBackwardPerStep(s)
            return
        }
        let written = [s.dGatesX, s.dGatesH, s.dh, s.dhScratch] + [s.dc, s.dcScratch].compactMap { $0 }
        for view in written { packCache.invalidate(ViewArgument(view).buffer) }
        let hiddenWeightT = try transposedHiddenWeight(s.hiddenWeight)
        let group = min(Self.fusedUnitsPerGroup, s.hidden)
        let kernels = CellKernels(s.mode)

        // dh.0 holds the direct part of dh_t on entry to a step (dh_T = grad_h_n: all direct) and
        // the step writes the direct part of dh_{t-1} to dh.1; then they swap. Same for dc.
        var dh = (s.dh, s.dhScratch)
        var dc = s.dc.map { ($0, s.dcScratch!) }
        // (B, G*H): dGatesH of the step run before, whose product with W_hh completes dh_t.
        var gatesNext: Matrix? = nil
        for step in 0..<s.steps {
            let t = s.time(ofStep: step)
            let cell = s.cellStep(time: t, dhNext: dh.0, dcNext: dc?.0, dhPrev: dh.1, dcPrev: dc?.1)
            try queue.enqueue(kernels.fusedBackwardLaunch(
                cell, gatesNext: gatesNext, hiddenWeightT: hiddenWeightT, unitsPerGroup: group, dummy: dummy))
            // dGatesH differs from dGatesX for the GRU only; the LSTM kernels write dGatesX alone.
            gatesNext = s.mode.hasSeparateHiddenGateGradients ? cell.dGatesH : cell.dGatesX
            dh = (dh.1, dh.0)
            if let pair = dc { dc = (pair.1, pair.0) }
        }
        // dh_{-1} = its direct part + dGatesH_0 W_hh: the one recurrent product no later step takes.
        if let gatesNext {
            try gemm(transA: false, transB: false, alpha: 1, gatesNext, s.hiddenWeight, beta: 1, dh.0)
        }
        try moveBackwardResult(s)
    }

    /// (H, G*H): W_hh^T in scratch, so that the fused backward's sum over gates for unit j reads
    /// one contiguous row. Made once per sequence (the weights change between training steps).
    private func transposedHiddenWeight(_ w: Matrix) throws -> Matrix {
        let buffer = try scratchBuffer(.hiddenWeightTransposed, count: w.rows * w.cols)
        packCache.invalidate(buffer)
        // pack_a_rows is the GEMM's transpose (8 x 8 blocks): W_hh (G*H x H) read as the stored
        // K x M form of its transpose (H x G*H).
        try queue.enqueue(PackARows(m: Int32(w.cols), k: Int32(w.rows), a: ViewArgument(w), out: buffer, outOffset: 0))
        return Matrix(buffer, rows: w.cols, cols: w.rows)
    }
}

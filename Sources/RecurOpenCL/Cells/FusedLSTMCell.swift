import Recur

/// Launches of Kernels/lstm_fused_forward.cl and lstm_fused_backward.cl: one LSTM time step with
/// the recurrent product h_{t-1} W_hh^T (forward) or dGatesH_{t+1} W_hh (backward) computed inside
/// the cell kernel, for the small-batch loop of OpenCLBackend+Sequence.swift. Both run on a 2-D
/// range (H, B): work-item (j, b) handles unit j (its four gates) of batch row b.

/// `lstm_fused_forward`: the four dot products of unit j, then `lstm_forward`'s update.
struct LSTMFusedForward: KernelLaunch {
    static let kernel = KernelName.lstmFusedForward

    var xProj: ViewArgument                               // (B, 4H), rows of step t
    var hiddenWeight: ViewArgument                        // (4H, H) W_hh
    var biasIH, biasHH: ViewArgument                      // (1, 4H), read when hasBias
    var hasBias: Int32
    var hPrev, hNext, cPrev, cNext, output: ViewArgument  // (B, H)
    var saved: ViewArgument                               // (B, 5H), written when hasSaved
    var hasSaved: Int32
    var lengths: LengthsArgument
    var time, batch, hidden: Int32
    var unitsPerGroup: Int

    var arguments: [KernelArgument] {
        xProj.arguments + hiddenWeight.arguments + biasIH.vectorArguments + biasHH.vectorArguments
            + [.int32(hasBias)] + hPrev.arguments + hNext.arguments + cPrev.arguments + cNext.arguments
            + output.arguments + saved.arguments + [.int32(hasSaved)] + lengths.arguments
            + [.int32(time), .int32(batch), .int32(hidden)]
    }
    var globalSize: [Int] { [Int(hidden), Int(batch)] }
    var localSize: [Int]? { [unitsPerGroup, 1] }

    /// Step `t` of `s`.
    init(_ s: RecurrentForwardSequence, time t: Int, unitsPerGroup: Int, dummy: Buffer) {
        let views = FusedForwardViews(s, time: t)
        xProj = ViewArgument(views.xProj); hiddenWeight = ViewArgument(s.hiddenWeight)
        biasIH = s.biasIH.argument(or: dummy); biasHH = s.biasHH.argument(or: dummy)
        hasBias = s.biasIH == nil ? 0 : 1
        hPrev = ViewArgument(views.hPrev); hNext = ViewArgument(views.hNext)
        cPrev = views.cPrev.argument(or: dummy); cNext = views.cNext.argument(or: dummy)
        output = ViewArgument(views.output)
        saved = views.saved.argument(or: dummy); hasSaved = views.saved == nil ? 0 : 1
        lengths = LengthsArgument(s.lengths, batch: s.batch, dummy: dummy)
        time = Int32(t); batch = Int32(s.batch); hidden = Int32(s.hidden)
        self.unitsPerGroup = unitsPerGroup
    }
}

/// `lstm_fused_backward`: dh_t = dhDirect + dGatesNext W_hh for unit j, then `lstm_backward`'s
/// math; dGatesH aliases dGatesX (as for `LSTMBackward`).
struct LSTMFusedBackward: KernelLaunch {
    static let kernel = KernelName.lstmFusedBackward

    var saved: ViewArgument                       // (B, 5H)
    var cPrev, dhDirect, dcNext: ViewArgument     // (B, H)
    var gatesNext: ViewArgument                   // (B, 4H) dGatesH of step t+1, read when hasGatesNext
    var hasGatesNext: Int32
    var hiddenWeightT: ViewArgument               // (H, 4H) W_hh^T
    var dOutput: ViewArgument                     // (B, H), read when hasDOutput
    var hasDOutput: Int32
    var dGatesX: ViewArgument                     // (B, 4H)
    var dhPrev, dcPrev: ViewArgument              // (B, H)
    var lengths: LengthsArgument
    var time, batch, hidden: Int32
    var unitsPerGroup: Int

    var arguments: [KernelArgument] {
        saved.arguments + cPrev.arguments + dhDirect.arguments + dcNext.arguments + gatesNext.arguments
            + [.int32(hasGatesNext)] + hiddenWeightT.arguments + dOutput.arguments + [.int32(hasDOutput)]
            + dGatesX.arguments + dhPrev.arguments + dcPrev.arguments + lengths.arguments
            + [.int32(time), .int32(batch), .int32(hidden)]
    }
    var globalSize: [Int] { [Int(hidden), Int(batch)] }
    var localSize: [Int]? { [unitsPerGroup, 1] }

    /// `s`: the step's views with `dhNext` holding the direct part of dh_t; `gatesNext`: the
    /// previous step's dGatesH rows, nil on the first step run.
    init(_ s: CellBackwardStep, gatesNext: Matrix?, hiddenWeightT: Matrix, unitsPerGroup: Int, dummy: Buffer) {
        saved = s.saved.argument(or: dummy); cPrev = s.cPrev.argument(or: dummy)
        dhDirect = ViewArgument(s.dhNext); dcNext = s.dcNext.argument(or: dummy)
        self.gatesNext = gatesNext.argument(or: dummy); hasGatesNext = gatesNext == nil ? 0 : 1
        self.hiddenWeightT = ViewArgument(hiddenWeightT)
        dOutput = s.dOutput.argument(or: dummy); hasDOutput = s.dOutput == nil ? 0 : 1
        dGatesX = ViewArgument(s.dGatesX); dhPrev = ViewArgument(s.dhPrev); dcPrev = s.dcPrev.argument(or: dummy)
        lengths = LengthsArgument(s.lengths, batch: s.batch, dummy: dummy)
        time = Int32(s.time); batch = Int32(s.batch); hidden = Int32(s.hidden)
        self.unitsPerGroup = unitsPerGroup
    }
}

/// The per-step views of a forward sequence at time t that a fused forward step reads and writes
/// (the same ones `RecurrentForwardSequence.cellStep` hands the unfused cell, minus hProj).
struct FusedForwardViews {
    var xProj: Matrix            // (B, G*H)
    var hPrev, hNext: Matrix     // (B, H)
    var cPrev, cNext: Matrix?    // (B, H), LSTM only
    var output: Matrix           // (B, H)
    var saved: Matrix?           // (B, S*H)

    init(_ s: RecurrentForwardSequence, time t: Int) {
        let prev = s.previousSlotRow(time: t), next = s.nextSlotRow(time: t), rows = t * s.batch
        xProj = s.xProj.rows(rows, s.batch)
        hPrev = s.hiddenStates.rows(prev, s.batch); hNext = s.hiddenStates.rows(next, s.batch)
        cPrev = s.cellStates?.rows(prev, s.batch); cNext = s.cellStates?.rows(next, s.batch)
        output = s.output.rows(rows, s.batch); saved = s.saved?.rows(rows, s.batch)
    }
}

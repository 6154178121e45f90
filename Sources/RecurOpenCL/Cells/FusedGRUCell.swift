import Recur

/// Launches of Kernels/gru_fused_forward.cl and gru_fused_backward.cl: one GRU time step with the
/// recurrent product inside the cell kernel (see FusedLSTMCell.swift). Both run on a 2-D range
/// (H, B): work-item (j, b) handles unit j (its three gates) of batch row b.

/// `gru_fused_forward`: the three dot products of unit j, then `gru_forward`'s update.
struct GRUFusedForward: KernelLaunch {
    static let kernel = KernelName.gruFusedForward

    var xProj: ViewArgument                   // (B, 3H), rows of step t
    var hiddenWeight: ViewArgument            // (3H, H) W_hh
    var biasIH, biasHH: ViewArgument          // (1, 3H), read when hasBias
    var hasBias: Int32
    var hPrev, hNext, output: ViewArgument    // (B, H)
    var saved: ViewArgument                   // (B, 4H), written when hasSaved
    var hasSaved: Int32
    var lengths: LengthsArgument
    var time, batch, hidden: Int32
    var unitsPerGroup: Int

    var arguments: [KernelArgument] {
        xProj.arguments + hiddenWeight.arguments + biasIH.vectorArguments + biasHH.vectorArguments
            + [.int32(hasBias)] + hPrev.arguments + hNext.arguments + output.arguments + saved.arguments
            + [.int32(hasSaved)] + lengths.arguments + [.int32(time), .int32(batch), .int32(hidden)]
    }
    var globalSize: [Int] { [Int(hidden), Int(batch)] }
    var localSize: [Int]? { [unitsPerGroup, 1] }

    init(_ s: RecurrentForwardSequence, time t: Int, unitsPerGroup: Int, dummy: Buffer) {
        let views = FusedForwardViews(s, time: t)
        xProj = ViewArgument(views.xProj); hiddenWeight = ViewArgument(s.hiddenWeight)
        biasIH = s.biasIH.argument(or: dummy); biasHH = s.biasHH.argument(or: dummy)
        hasBias = s.biasIH == nil ? 0 : 1
        hPrev = ViewArgument(views.hPrev); hNext = ViewArgument(views.hNext); output = ViewArgument(views.output)
        saved = views.saved.argument(or: dummy); hasSaved = views.saved == nil ? 0 : 1
        lengths = LengthsArgument(s.lengths, batch: s.batch, dummy: dummy)
        time = Int32(t); batch = Int32(s.batch); hidden = Int32(s.hidden)
        self.unitsPerGroup = unitsPerGroup
    }
}

/// `gru_fused_backward`: dh_t = dhDirect + dGatesNext W_hh for unit j, then `gru_backward`'s math
/// (dGatesX and dGatesH differ in the n block).
struct GRUFusedBackward: KernelLaunch {
    static let kernel = KernelName.gruFusedBackward

    var saved: ViewArgument                     // (B, 4H)
    var hPrev, dhDirect: ViewArgument           // (B, H)
    var gatesNext: ViewArgument                 // (B, 3H) dGatesH of step t+1, read when hasGatesNext
    var hasGatesNext: Int32
    var hiddenWeightT: ViewArgument             // (H, 3H) W_hh^T
    var dOutput: ViewArgument                   // (B, H), read when hasDOutput
    var hasDOutput: Int32
    var dGatesX, dGatesH: ViewArgument          // (B, 3H)
    var dhPrev: ViewArgument                    // (B, H)
    var lengths: LengthsArgument
    var time, batch, hidden: Int32
    var unitsPerGroup: Int

    var arguments: [KernelArgument] {
        saved.arguments + hPrev.arguments + dhDirect.arguments + gatesNext.arguments + [.int32(hasGatesNext)]
            + hiddenWeightT.arguments + dOutput.arguments + [.int32(hasDOutput)] + dGatesX.arguments
            + dGatesH.arguments + dhPrev.arguments + lengths.arguments
            + [.int32(time), .int32(batch), .int32(hidden)]
    }
    var globalSize: [Int] { [Int(hidden), Int(batch)] }
    var localSize: [Int]? { [unitsPerGroup, 1] }

    init(_ s: CellBackwardStep, gatesNext: Matrix?, hiddenWeightT: Matrix, unitsPerGroup: Int, dummy: Buffer) {
        saved = s.saved.argument(or: dummy); hPrev = ViewArgument(s.hPrev); dhDirect = ViewArgument(s.dhNext)
        self.gatesNext = gatesNext.argument(or: dummy); hasGatesNext = gatesNext == nil ? 0 : 1
        self.hiddenWeightT = ViewArgument(hiddenWeightT)
        dOutput = s.dOutput.argument(or: dummy); hasDOutput = s.dOutput == nil ? 0 : 1
        dGatesX = ViewArgument(s.dGatesX); dGatesH = ViewArgument(s.dGatesH); dhPrev = ViewArgument(s.dhPrev)
        lengths = LengthsArgument(s.lengths, batch: s.batch, dummy: dummy)
        time = Int32(s.time); batch = Int32(s.batch); hidden = Int32(s.hidden)
        self.unitsPerGroup = unitsPerGroup
    }
}

import Recur

/// Launches of Kernels/rnn_fused_forward.cl and rnn_fused_backward.cl: one Elman time step with
/// the recurrent product inside the cell kernel (see FusedLSTMCell.swift). Both run on a 2-D
/// range (H, B): work-item (j, b) handles unit j of batch row b.

/// `rnn_fused_forward`: the dot product of unit j, then `rnn_forward`'s update.
struct RNNFusedForward: KernelLaunch {
    static let kernel = KernelName.rnnFusedForward

    var xProj: ViewArgument                 // (B, H), rows of step t
    var hiddenWeight: ViewArgument          // (H, H) W_hh
    var biasIH, biasHH: ViewArgument        // (1, H), read when hasBias
    var hasBias: Int32
    var hPrev, hNext, output: ViewArgument  // (B, H)
    var lengths: LengthsArgument            // (B)
    var time, batch, hidden, relu: Int32
    var unitsPerGroup: Int

    var arguments: [KernelArgument] {
        xProj.arguments + hiddenWeight.arguments + biasIH.vectorArguments + biasHH.vectorArguments
            + [.int32(hasBias)] + hPrev.arguments + hNext.arguments + output.arguments + lengths.arguments
            + [.int32(time), .int32(batch), .int32(hidden), .int32(relu)]
    }
    var globalSize: [Int] { [Int(hidden), Int(batch)] }
    var localSize: [Int]? { [unitsPerGroup, 1] }

    init(_ s: RecurrentForwardSequence, time t: Int, unitsPerGroup: Int, dummy: Buffer) {
        let views = FusedForwardViews(s, time: t)
        xProj = ViewArgument(views.xProj); hiddenWeight = ViewArgument(s.hiddenWeight)
        biasIH = s.biasIH.argument(or: dummy); biasHH = s.biasHH.argument(or: dummy)
        hasBias = s.biasIH == nil ? 0 : 1
        hPrev = ViewArgument(views.hPrev); hNext = ViewArgument(views.hNext); output = ViewArgument(views.output)
        lengths = LengthsArgument(s.lengths, batch: s.batch, dummy: dummy)
        time = Int32(t); batch = Int32(s.batch); hidden = Int32(s.hidden); relu = s.mode == .rnnReLU ? 1 : 0
        self.unitsPerGroup = unitsPerGroup
    }
}

/// `rnn_fused_backward`: dh_t = dhDirect + dGatesNext W_hh for unit j, then `rnn_backward`'s math.
struct RNNFusedBackward: KernelLaunch {
    static let kernel = KernelName.rnnFusedBackward

    var hOut, dhDirect: ViewArgument        // (B, H)
    var gatesNext: ViewArgument             // (B, H) dGatesH of step t+1, read when hasGatesNext
    var hasGatesNext: Int32
    var hiddenWeightT: ViewArgument         // (H, H) W_hh^T
    var dOutput: ViewArgument               // (B, H), read when hasDOutput
    var hasDOutput: Int32
    var dGatesX, dGatesH, dhPrev: ViewArgument  // (B, H)
    var lengths: LengthsArgument
    var time, batch, hidden, relu: Int32
    var unitsPerGroup: Int

    var arguments: [KernelArgument] {
        hOut.arguments + dhDirect.arguments + gatesNext.arguments + [.int32(hasGatesNext)]
            + hiddenWeightT.arguments + dOutput.arguments + [.int32(hasDOutput)] + dGatesX.arguments
            + dGatesH.arguments + dhPrev.arguments + lengths.arguments
            + [.int32(time), .int32(batch), .int32(hidden), .int32(relu)]
    }
    var globalSize: [Int] { [Int(hidden), Int(batch)] }
    var localSize: [Int]? { [unitsPerGroup, 1] }

    init(_ s: CellBackwardStep, gatesNext: Matrix?, hiddenWeightT: Matrix, unitsPerGroup: Int, dummy: Buffer) {
        hOut = ViewArgument(s.hOut); dhDirect = ViewArgument(s.dhNext)
        self.gatesNext = gatesNext.argument(or: dummy); hasGatesNext = gatesNext == nil ? 0 : 1
        self.hiddenWeightT = ViewArgument(hiddenWeightT)
        dOutput = s.dOutput.argument(or: dummy); hasDOutput = s.dOutput == nil ? 0 : 1
        dGatesX = ViewArgument(s.dGatesX); dGatesH = ViewArgument(s.dGatesH); dhPrev = ViewArgument(s.dhPrev)
        lengths = LengthsArgument(s.lengths, batch: s.batch, dummy: dummy)
        time = Int32(s.time); batch = Int32(s.batch); hidden = Int32(s.hidden)
        relu = s.mode == .rnnReLU ? 1 : 0
        self.unitsPerGroup = unitsPerGroup
    }
}

import Recur

/// Launches of Kernels/gru_forward.cl and gru_backward.cl, forward beside backward. Both run on
/// a 2-D range (H, B): work-item (j, b) handles unit j (its three gates) of batch row b.

/// `gru_forward`: gates (r, z, n), h_t, saved (r, z, n, W_hn h + b_hn) (CellForwardStep).
struct GRUForward: KernelLaunch {
    static let kernel = KernelName.gruForward

    var xProj, hProj: ViewArgument            // (B, 3H)
    var biasIH, biasHH: ViewArgument          // (1, 3H), read when hasBias
    var hasBias: Int32
    var hPrev, hNext, output: ViewArgument    // (B, H)
    var saved: ViewArgument                   // (B, 4H), written when hasSaved
    var hasSaved: Int32
    var lengths: LengthsArgument
    var time, batch, hidden: Int32

    var arguments: [KernelArgument] {
        xProj.arguments + hProj.arguments + biasIH.vectorArguments + biasHH.vectorArguments + [.int32(hasBias)]
            + hPrev.arguments + hNext.arguments + output.arguments + saved.arguments + [.int32(hasSaved)]
            + lengths.arguments + [.int32(time), .int32(batch), .int32(hidden)]
    }
    var globalSize: [Int] { [Int(hidden), Int(batch)] }

    init(_ s: CellForwardStep, dummy: Buffer) {
        xProj = ViewArgument(s.xProj); hProj = ViewArgument(s.hProj)
        biasIH = s.biasIH.argument(or: dummy); biasHH = s.biasHH.argument(or: dummy)
        hasBias = s.biasIH == nil ? 0 : 1
        hPrev = ViewArgument(s.hPrev); hNext = ViewArgument(s.hNext); output = ViewArgument(s.output)
        saved = s.saved.argument(or: dummy); hasSaved = s.saved == nil ? 0 : 1
        lengths = LengthsArgument(s.lengths, batch: s.batch, dummy: dummy)
        time = Int32(s.time); batch = Int32(s.batch); hidden = Int32(s.hidden)
    }
}

/// `gru_backward`: dGatesX and dGatesH (they differ in the n block), dh_{t-1}'s direct part dh*z.
struct GRUBackward: KernelLaunch {
    static let kernel = KernelName.gruBackward

    var saved: ViewArgument                     // (B, 4H)
    var hPrev, dhNext, dOutput: ViewArgument    // (B, H); dOutput read when hasDOutput
    var hasDOutput: Int32
    var dGatesX, dGatesH: ViewArgument          // (B, 3H)
    var dhPrev: ViewArgument                    // (B, H)
    var lengths: LengthsArgument
    var time, batch, hidden: Int32

    var arguments: [KernelArgument] {
        saved.arguments + hPrev.arguments + dhNext.arguments + dOutput.arguments + [.int32(hasDOutput)]
            + dGatesX.arguments + dGatesH.arguments + dhPrev.arguments + lengths.arguments
            + [.int32(time), .int32(batch), .int32(hidden)]
    }
    var globalSize: [Int] { [Int(hidden), Int(batch)] }

    init(_ s: CellBackwardStep, dummy: Buffer) {
        saved = s.saved.argument(or: dummy); hPrev = ViewArgument(s.hPrev); dhNext = ViewArgument(s.dhNext)
        dOutput = s.dOutput.argument(or: dummy); hasDOutput = s.dOutput == nil ? 0 : 1
        dGatesX = ViewArgument(s.dGatesX); dGatesH = ViewArgument(s.dGatesH); dhPrev = ViewArgument(s.dhPrev)
        lengths = LengthsArgument(s.lengths, batch: s.batch, dummy: dummy)
        time = Int32(s.time); batch = Int32(s.batch); hidden = Int32(s.hidden)
    }
}

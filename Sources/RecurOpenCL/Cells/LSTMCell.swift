import Recur

/// Launches of Kernels/lstm_forward.cl and lstm_backward.cl, forward beside backward. Both run on
/// a 2-D range (H, B): work-item (j, b) handles unit j (its four gates) of batch row b.

/// `lstm_forward`: gates (i, f, g, o), c_t, h_t, saved (i, f, g, o, tanh c_t) (CellForwardStep).
struct LSTMForward: KernelLaunch {
    static let kernel = KernelName.lstmForward

    var xProj, hProj: ViewArgument                        // (B, 4H)
    var biasIH, biasHH: ViewArgument                      // (1, 4H), read when hasBias
    var hasBias: Int32
    var hPrev, hNext, cPrev, cNext, output: ViewArgument  // (B, H)
    var saved: ViewArgument                               // (B, 5H), written when hasSaved
    var hasSaved: Int32
    var lengths: LengthsArgument
    var time, batch, hidden: Int32

    var arguments: [KernelArgument] {
        xProj.arguments + hProj.arguments + biasIH.vectorArguments + biasHH.vectorArguments + [.int32(hasBias)]
            + hPrev.arguments + hNext.arguments + cPrev.arguments + cNext.arguments + output.arguments
            + saved.arguments + [.int32(hasSaved)] + lengths.arguments
            + [.int32(time), .int32(batch), .int32(hidden)]
    }
    var globalSize: [Int] { [Int(hidden), Int(batch)] }

    init(_ s: CellForwardStep, dummy: Buffer) {
        xProj = ViewArgument(s.xProj); hProj = ViewArgument(s.hProj)
        biasIH = s.biasIH.argument(or: dummy); biasHH = s.biasHH.argument(or: dummy)
        hasBias = s.biasIH == nil ? 0 : 1
        hPrev = ViewArgument(s.hPrev); hNext = ViewArgument(s.hNext)
        cPrev = s.cPrev.argument(or: dummy); cNext = s.cNext.argument(or: dummy)
        output = ViewArgument(s.output)
        saved = s.saved.argument(or: dummy); hasSaved = s.saved == nil ? 0 : 1
        lengths = LengthsArgument(s.lengths, batch: s.batch, dummy: dummy)
        time = Int32(s.time); batch = Int32(s.batch); hidden = Int32(s.hidden)
    }
}

/// `lstm_backward`: gate gradients into dGatesX (dGatesH aliases it), dc_{t-1} (CellBackwardStep).
struct LSTMBackward: KernelLaunch {
    static let kernel = KernelName.lstmBackward

    var saved: ViewArgument                   // (B, 5H)
    var cPrev, dhNext, dcNext, dOutput: ViewArgument  // (B, H); dOutput read when hasDOutput
    var hasDOutput: Int32
    var dGatesX: ViewArgument                 // (B, 4H)
    var dhPrev, dcPrev: ViewArgument          // (B, H)
    var lengths: LengthsArgument
    var time, batch, hidden: Int32

    var arguments: [KernelArgument] {
        saved.arguments + cPrev.arguments + dhNext.arguments + dcNext.arguments + dOutput.arguments
            + [.int32(hasDOutput)] + dGatesX.arguments + dhPrev.arguments + dcPrev.arguments + lengths.arguments
            + [.int32(time), .int32(batch), .int32(hidden)]
    }
    var globalSize: [Int] { [Int(hidden), Int(batch)] }

    init(_ s: CellBackwardStep, dummy: Buffer) {
        saved = s.saved.argument(or: dummy); cPrev = s.cPrev.argument(or: dummy)
        dhNext = ViewArgument(s.dhNext); dcNext = s.dcNext.argument(or: dummy)
        dOutput = s.dOutput.argument(or: dummy); hasDOutput = s.dOutput == nil ? 0 : 1
        dGatesX = ViewArgument(s.dGatesX); dhPrev = ViewArgument(s.dhPrev); dcPrev = s.dcPrev.argument(or: dummy)
        lengths = LengthsArgument(s.lengths, batch: s.batch, dummy: dummy)
        time = Int32(s.time); batch = Int32(s.batch); hidden = Int32(s.hidden)
    }
}

import Recur

/// Launches of Kernels/rnn_forward.cl and rnn_backward.cl: the Elman cell, forward beside
/// backward. Both run on a 2-D range (H, B): work-item (j, b) handles unit j of batch row b.

/// `rnn_forward`: h_t = act(xProj + b_ih + hProj + b_hh), masked by length (CellForwardStep).
struct RNNForward: KernelLaunch {
    static let kernel = KernelName.rnnForward

    var xProj, hProj: ViewArgument          // (B, H)
    var biasIH, biasHH: ViewArgument        // (1, H), read when hasBias
    var hasBias: Int32
    var hPrev, hNext, output: ViewArgument  // (B, H)
    var lengths: LengthsArgument            // (B)
    var time, batch, hidden, relu: Int32

    var arguments: [KernelArgument] {
        xProj.arguments + hProj.arguments + biasIH.vectorArguments + biasHH.vectorArguments + [.int32(hasBias)]
            + hPrev.arguments + hNext.arguments + output.arguments + lengths.arguments
            + [.int32(time), .int32(batch), .int32(hidden), .int32(relu)]
    }
    var globalSize: [Int] { CellGrid.globalSize(hidden: hidden, batch: batch) }

    init(_ s: CellForwardStep, dummy: Buffer) {
        xProj = ViewArgument(s.xProj); hProj = ViewArgument(s.hProj)
        biasIH = s.biasIH.argument(or: dummy); biasHH = s.biasHH.argument(or: dummy)
        hasBias = s.biasIH == nil ? 0 : 1
        hPrev = ViewArgument(s.hPrev); hNext = ViewArgument(s.hNext); output = ViewArgument(s.output)
        lengths = LengthsArgument(s.lengths, batch: s.batch, dummy: dummy)
        time = Int32(s.time); batch = Int32(s.batch); hidden = Int32(s.hidden); relu = s.mode == .rnnReLU ? 1 : 0
    }
}

/// `rnn_backward`: dGates = (dhNext + dOutput) * act'(h_t); dhPrev's direct part zero (CellBackwardStep).
struct RNNBackward: KernelLaunch {
    static let kernel = KernelName.rnnBackward

    var hOut, dhNext, dOutput: ViewArgument  // (B, H); dOutput read when hasDOutput
    var hasDOutput: Int32
    var dGatesX, dGatesH, dhPrev: ViewArgument
    var lengths: LengthsArgument
    var time, batch, hidden, relu: Int32

    var arguments: [KernelArgument] {
        hOut.arguments + dhNext.arguments + dOutput.arguments + [.int32(hasDOutput)]
            + dGatesX.arguments + dGatesH.arguments + dhPrev.arguments + lengths.arguments
            + [.int32(time), .int32(batch), .int32(hidden), .int32(relu)]
    }
    var globalSize: [Int] { CellGrid.globalSize(hidden: hidden, batch: batch) }

    init(_ s: CellBackwardStep, dummy: Buffer) {
        hOut = ViewArgument(s.hOut); dhNext = ViewArgument(s.dhNext)
        dOutput = s.dOutput.argument(or: dummy); hasDOutput = s.dOutput == nil ? 0 : 1
        dGatesX = ViewArgument(s.dGatesX); dGatesH = ViewArgument(s.dGatesH); dhPrev = ViewArgument(s.dhPrev)
        lengths = LengthsArgument(s.lengths, batch: s.batch, dummy: dummy)
        time = Int32(s.time); batch = Int32(s.batch); hidden = Int32(s.hidden); relu = s.mode == .rnnReLU ? 1 : 0
    }
}

import Recur

/// The OpenCL backend's cells: each cell's kernels in every loop, the one place a cell is
/// registered with this backend. The kernels take their arguments by name (`CellBinding`), so
/// registering a cell's kernels here is all the host code a new cell needs. Which loop runs for
/// which device and batch: Kernels/README.md.
struct CellKernels {
    /// The per-step loop's cell step (Kernels/<cell>_forward.cl, <cell>_backward.cl), after one
    /// recurrent GEMM per step.
    let forward, backward: KernelName
    /// The fused loop's step, the recurrent product inside the cell kernel (<cell>_fused_*.cl).
    let fusedForward, fusedBackward: KernelName
    /// Hidden units a work-item of the per-step kernels takes: the `RECUR_UNIT_WIDTH` their files
    /// define (units.cl has the measurements behind each width).
    let unitsPerWorkItem: Int
    /// The whole-sequence kernels' `mode` (sequence_forward.cl, sequence_backward.cl), whose
    /// branches call the cell's math.
    let sequenceMode: Int32

    init(_ mode: CellMode) {
        switch mode {
        case .rnnTanh, .rnnReLU:
            self.init(forward: .rnnForward, backward: .rnnBackward, fusedForward: .rnnFusedForward,
                      fusedBackward: .rnnFusedBackward, unitsPerWorkItem: 8, sequenceMode: mode == .rnnTanh ? 0 : 1)
        case .lstm:
            self.init(forward: .lstmForward, backward: .lstmBackward, fusedForward: .lstmFusedForward,
                      fusedBackward: .lstmFusedBackward, unitsPerWorkItem: 1, sequenceMode: 2)
        case .gru:
            self.init(forward: .gruForward, backward: .gruBackward, fusedForward: .gruFusedForward,
                      fusedBackward: .gruFusedBackward, unitsPerWorkItem: 1, sequenceMode: 3)
        }
    }

    private init(forward: KernelName, backward: KernelName, fusedForward: KernelName, fusedBackward: KernelName,
                 unitsPerWorkItem: Int, sequenceMode: Int32) {
        self.forward = forward; self.backward = backward
        self.fusedForward = fusedForward; self.fusedBackward = fusedBackward
        self.unitsPerWorkItem = unitsPerWorkItem; self.sequenceMode = sequenceMode
    }
}

// The launches, forward beside backward. The per-step kernels run on a 2-D range
// (ceil(H / unitsPerWorkItem), B): work-item (j, b) takes units j*u ..< (j+1)*u of batch row b.
// The fused ones run on (H, B) in groups of `unitsPerGroup` units of one row.
extension CellKernels {
    /// The per-step forward of `s` (CellForwardStep): gates from xProj + hProj, then c_t, h_t, saved.
    func forwardLaunch(_ s: CellForwardStep, dummy: Buffer) throws(OpenCLError) -> BoundLaunch {
        var binding = CellBinding(batch: s.batch, hidden: s.hidden, time: s.time, mode: s.mode, lengths: s.lengths)
        binding.bindForward(xProj: s.xProj, biasIH: s.biasIH, biasHH: s.biasHH, hPrev: s.hPrev, hNext: s.hNext,
                            cPrev: s.cPrev, cNext: s.cNext, output: s.output, saved: s.saved)
        binding.bind(.hProj, s.hProj)
        return BoundLaunch(kernel: forward, arguments: try binding.arguments(for: forward, dummy: dummy),
                           globalSize: perStepRange(s.hidden, s.batch), localSize: nil)
    }

    /// The per-step backward of `s` (CellBackwardStep): gate gradients, dc_{t-1} and the direct
    /// part of dh_{t-1}.
    func backwardLaunch(_ s: CellBackwardStep, dummy: Buffer) throws(OpenCLError) -> BoundLaunch {
        var binding = CellBinding(batch: s.batch, hidden: s.hidden, time: s.time, mode: s.mode, lengths: s.lengths)
        binding.bindBackward(s)
        binding.bind(.dhNext, s.dhNext)
        return BoundLaunch(kernel: backward, arguments: try binding.arguments(for: backward, dummy: dummy),
                           globalSize: perStepRange(s.hidden, s.batch), localSize: nil)
    }

    /// Step `t` of `s` with the dot products h_{t-1} . W_hh rows inside the kernel.
    func fusedForwardLaunch(_ s: RecurrentForwardSequence, time t: Int, unitsPerGroup: Int, dummy: Buffer)
        throws(OpenCLError) -> BoundLaunch
    {
        let prev = s.previousSlotRow(time: t), next = s.nextSlotRow(time: t), rows = t * s.batch
        var binding = CellBinding(batch: s.batch, hidden: s.hidden, time: t, mode: s.mode, lengths: s.lengths)
        binding.bindForward(
            xProj: s.xProj.rows(rows, s.batch), biasIH: s.biasIH, biasHH: s.biasHH,
            hPrev: s.hiddenStates.rows(prev, s.batch), hNext: s.hiddenStates.rows(next, s.batch),
            cPrev: s.cellStates?.rows(prev, s.batch), cNext: s.cellStates?.rows(next, s.batch),
            output: s.output.rows(rows, s.batch), saved: s.saved?.rows(rows, s.batch))
        binding.bind(.whh, s.hiddenWeight)
        return BoundLaunch(kernel: fusedForward, arguments: try binding.arguments(for: fusedForward, dummy: dummy),
                           globalSize: [s.hidden, s.batch], localSize: [unitsPerGroup, 1])
    }

    /// `s` with `s.dhNext` holding the direct part of dh_t, which the kernel completes with
    /// `gatesNext` (the previous step's dGatesH, nil on the first step run) times W_hh, read as rows
    /// of `hiddenWeightT` (H, G*H).
    func fusedBackwardLaunch(_ s: CellBackwardStep, gatesNext: Matrix?, hiddenWeightT: Matrix, unitsPerGroup: Int,
                             dummy: Buffer) throws(OpenCLError) -> BoundLaunch {
        var binding = CellBinding(batch: s.batch, hidden: s.hidden, time: s.time, mode: s.mode, lengths: s.lengths)
        binding.bindBackward(s)
        binding.bind(.dhDirect, s.dhNext)
        binding.bind(.dGatesNext, gatesNext, flag: .hasGatesNext)
        binding.bind(.whhT, hiddenWeightT)
        return BoundLaunch(kernel: fusedBackward, arguments: try binding.arguments(for: fusedBackward, dummy: dummy),
                           globalSize: [s.hidden, s.batch], localSize: [unitsPerGroup, 1])
    }

    private func perStepRange(_ hidden: Int, _ batch: Int) -> [Int] {
        [(hidden + unitsPerWorkItem - 1) / unitsPerWorkItem, batch]
    }
}

extension CellBinding {
    /// The views every forward kernel takes but the recurrent part (hProj or whh).
    mutating func bindForward(xProj: Matrix, biasIH: Matrix?, biasHH: Matrix?, hPrev: Matrix, hNext: Matrix,
                              cPrev: Matrix?, cNext: Matrix?, output: Matrix, saved: Matrix?) {
        bind(.xProj, xProj)
        bind(.biasIH, biasIH, flag: .hasBias)
        bind(.biasHH, biasHH)
        bind(.hPrev, hPrev); bind(.hNext, hNext)
        bind(.cPrev, cPrev); bind(.cNext, cNext)
        bind(.output, output)
        bind(.saved, saved, flag: .hasSaved)
    }

    /// The views every backward kernel takes but dh_t's (dhNext or dhDirect).
    mutating func bindBackward(_ s: CellBackwardStep) {
        bind(.saved, s.saved)
        bind(.hPrev, s.hPrev); bind(.hOut, s.hOut); bind(.cPrev, s.cPrev)
        bind(.dcNext, s.dcNext)
        bind(.dOutput, s.dOutput, flag: .hasDOutput)
        bind(.dGatesX, s.dGatesX); bind(.dGatesH, s.dGatesH)
        bind(.dhPrev, s.dhPrev); bind(.dcPrev, s.dcPrev)
    }
}

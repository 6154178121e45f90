import Recur

/// The recurrent time loops on the CPU as a persistent team (DESIGN.md: "a persistent kernel for
/// small batches"): each thread owns a slice of the hidden units for the whole sequence, packs the
/// rows of W_hh its units need once, and per time step runs its share of the recurrent product and
/// the cell update of its units, then meets the others at one barrier.
///
/// The per-step form (`recurrentForwardPerStep`) pays two pool dispatches per step, repacks W_hh in
/// the GEMM every step (6% of an lstm-small profile) and leaves a thread idle in the cell step of a
/// small batch; here W_hh's slice stays packed (and, at small sizes, in the thread's L2) for all T
/// steps. Forward and backward side by side; shapes as in `RecurrentForwardSequence`, with u the
/// units of a thread's slice and u16 = u rounded up to a 16-column panel.
extension CPUBackend {
    public func recurrentForward(_ s: RecurrentForwardSequence) throws {
        try profiled("recurrentForward") { try recurrentForwardLoop(s) }
    }

    public func recurrentBackward(_ s: RecurrentBackwardSequence) throws {
        try profiled("recurrentBackward") { try recurrentBackwardLoop(s) }
    }

    private func recurrentForwardLoop(_ s: RecurrentForwardSequence) throws {
        guard let members = teamSize(batch: s.batch, hidden: s.hidden, gates: s.mode.gateCount) else {
            return try recurrentForwardPerStep(s)
        }
        CellBias.withRows(mode: s.mode, hidden: s.hidden, biasIH: s.biasIH, biasHH: s.biasHH) { bias in
            let sequence = ForwardSequenceRows(s, bias: bias)
            pool.team(size: members) { team in forwardMember(team, s, sequence) }
        }
    }

    /// One team member's share of the forward loop.
    private func forwardMember(_ team: Team, _ s: RecurrentForwardSequence, _ sequence: ForwardSequenceRows) {
        let hidden = s.hidden, gates = s.mode.gateCount, batch = s.batch
        let weight = s.hiddenWeight
        let units = Self.slice(team.rank, of: team.size, hidden: hidden)
        // This thread's packed panels of W_hh^T (G gates x u16/16 panels of H x 16), and its
        // product (B, G*u16): gate k of unit j0+jj at column k*u16 + jj.
        let u16 = (units.count + 15) / 16 * 16
        let panelBuffer = scratch(gates * u16 * hidden + GemmScratch.slack), panels = panelBuffer.floats
        // The loop uses the buffer only through `panels`: keep it alive to the end.
        defer { withExtendedLifetime(panelBuffer) {} }
        let product = Matrix(scratch(batch * gates * u16), rows: batch, cols: gates * u16)
        // All ones, loaded from memory: see `opaque` in SIMDMemory.
        let keep = GemmScratch.withScratch { $0.keep }
        // Panel q: gate q / (u16/16), its units' columns from 16 * (q % (u16/16)) on.
        let perGate = u16 / 16
        RowPanelKernels.pack(
            count: gates * perGate, k: hidden, transB: true, UnsafePointer(weight.base), ldb: weight.ld,
            kernels: kernels, into: panels, keep: keep
        ) { q in
            let offset = q % perGate * 16
            return (q / perGate * hidden + units.lowerBound + offset, min(16, units.count - offset))
        }
        var phases = LoopPhases.start("recurrentForward", rank: team.rank)
        for step in 0..<s.steps {
            let t = s.time(ofStep: step)
            let hPrev = sequence.hiddenStates.from(s.previousSlotRow(time: t))
            // product (B, G*u16) = h_{t-1} (B, H) * this slice's W_hh^T columns.
            RowPanelKernels.product(
                rows: batch, k: hidden, a: hPrev.base, lda: hPrev.ld, panels: panels, count: gates * u16 / 16,
                c: product.base, ldc: product.ld, kernels: kernels)
            phases?.productDone()
            CellRows.forward(
                sequence.step(time: t), rows: 0..<batch, units: units, kernels: kernels,
                hProj: GateRow(base: product.base, stride: u16), hProjStride: product.ld)
            phases?.cellDone()
            // h_t is complete once every slice has written its units.
            team.wait()
            phases?.waitDone()
        }
        phases?.finish()
    }

    private func recurrentBackwardLoop(_ s: RecurrentBackwardSequence) throws {
        guard let members = teamSize(batch: s.batch, hidden: s.hidden, gates: s.mode.gateCount) else {
            return try recurrentBackwardPerStep(s)
        }
        let hidden = s.hidden, width = s.mode.gateCount * hidden, batch = s.batch
        let weight = s.hiddenWeight
        let sequence = BackwardSequenceRows(s)
        pool.team(size: members) { team in
            let units = Self.slice(team.rank, of: team.size, hidden: hidden)
            // The columns of W_hh this thread's units need (u16/16 panels of G*H x 16), and its
            // product (B, u16) = dGatesH_t * those columns.
            let u16 = (units.count + 15) / 16 * 16
            let panelBuffer = scratch(u16 * width + GemmScratch.slack), panels = panelBuffer.floats
            defer { withExtendedLifetime(panelBuffer) {} }
            let product = Matrix(scratch(batch * u16), rows: batch, cols: u16)
            let keep = GemmScratch.withScratch { $0.keep }
            RowPanelKernels.pack(
                count: u16 / 16, k: width, transB: false, UnsafePointer(weight.base), ldb: weight.ld,
                kernels: kernels, into: panels, keep: keep
            ) { q in (units.lowerBound + q * 16, min(16, units.count - q * 16)) }
            var dh = (RowView(s.dh), RowView(s.dhScratch))
            var dc = s.dc.map { (RowView($0), RowView(s.dcScratch!)) }
            var phases = LoopPhases.start("recurrentBackward", rank: team.rank)
            for step in 0..<s.steps {
                let t = s.time(ofStep: step)
                CellRows.backward(
                    sequence.step(time: t, dhNext: dh.0, dcNext: dc?.0, dhPrev: dh.1, dcPrev: dc?.1),
                    rows: 0..<batch, units: units, kernels: kernels)
                phases?.cellDone()
                // dGatesH_t is complete once every slice has written its units.
                team.wait()
                phases?.waitDone()
                // dh_{t-1}[:, units] += dGatesH_t (B, G*H) * W_hh[:, units].
                let dGates = sequence.dGatesH.from(t * batch)
                RowPanelKernels.product(
                    rows: batch, k: width, a: dGates.base, lda: dGates.ld, panels: panels, count: product.cols / 16,
                    c: product.base, ldc: product.ld, kernels: kernels)
                for b in 0..<batch {
                    let to = dh.1.row(b) + units.lowerBound, from = product.row(b)
                    for j in 0..<units.count { to[j] += from[j] }
                }
                dh = (dh.1, dh.0)
                if let pair = dc { dc = (pair.1, pair.0) }
                phases?.productDone()
            }
            phases?.finish()
            // After an odd number of steps this slice's result sits in the scratch buffers.
            if s.steps % 2 == 1 {
                for b in 0..<batch {
                    (s.dh.row(b) + units.lowerBound).update(from: s.dhScratch.row(b) + units.lowerBound, count: units.count)
                    if let dcOut = s.dc, let dcScratch = s.dcScratch {
                        (dcOut.row(b) + units.lowerBound).update(from: dcScratch.row(b) + units.lowerBound, count: units.count)
                    }
                }
            }
        }
    }

    /// How many threads share the loop, or nil when the per-step loop runs instead (cells narrower
    /// than one vector). One member still gains from the weights packed once per sequence.
    func teamSize(batch: Int, hidden: Int, gates: Int) -> Int? {
        guard sequenceLoop == .team, hidden >= 8 else { return nil }
        let work = 2 * batch * gates * hidden * hidden
        return min(pool.threadCount, hidden / 8, max(1, work / Self.teamWorkPerThread))
    }

    /// The hidden units member `rank` of a team of `size` owns: contiguous, in multiples of 8 (the
    /// cells' vector width) except the last.
    static func slice(_ rank: Int, of size: Int, hidden: Int) -> Range<Int> {
        let start = hidden * rank / size / 8 * 8
        let end = rank == size - 1 ? hidden : hidden * (rank + 1) / size / 8 * 8
        return start..<end
    }

    /// FLOPs of one step's recurrent product that make another thread worth its barrier (~1 us).
    static let teamWorkPerThread = 100_000

    /// Host memory for the loop's packed weights and products (written before read: not zeroed).
    private func scratch(_ count: Int) -> CPUBuffer {
        CPUBuffer(count: count, gauge: memory, zeroed: false)
    }
}

/// A forward sequence's views as raw rows, made once per loop: the team loop's steps then build
/// their `ForwardStepRows` without copying a `Matrix` (see `RowView`).
struct ForwardSequenceRows {
    let mode: CellMode, hidden: Int, batch: Int, reverse: Bool
    /// `CellBias.withRows`' summed biases, or nil.
    let xProj: RowView, bias: UnsafeMutablePointer<Float>?
    let hiddenStates: RowView, cellStates: RowView?, output: RowView, saved: RowView?
    let lengths: UnsafeMutablePointer<Int32>?

    init(_ s: RecurrentForwardSequence, bias: UnsafeMutablePointer<Float>?) {
        mode = s.mode; hidden = s.hidden; batch = s.batch; reverse = s.reverse
        xProj = RowView(s.xProj)
        self.bias = bias
        hiddenStates = RowView(s.hiddenStates); cellStates = s.cellStates.map(RowView.init)
        output = RowView(s.output); saved = s.saved.map(RowView.init); lengths = lengthPointer(s.lengths)
    }

    /// `RecurrentForwardSequence.cellStep(time:hProj:)`, hProj aside.
    @inline(__always)
    func step(time t: Int) -> ForwardStepRows {
        let prev = (reverse ? t + 1 : t) * batch, next = (reverse ? t : t + 1) * batch
        return ForwardStepRows(
            mode: mode, hidden: hidden, xProj: xProj.from(t * batch), bias: bias,
            hPrev: hiddenStates.from(prev), hNext: hiddenStates.from(next),
            cPrev: cellStates?.from(prev), cNext: cellStates?.from(next), output: output.from(t * batch),
            saved: saved?.from(t * batch), lengths: lengths, time: t)
    }
}

/// A backward sequence's views as raw rows (see `ForwardSequenceRows`).
struct BackwardSequenceRows {
    let mode: CellMode, hidden: Int, batch: Int, reverse: Bool
    let saved: RowView?, hiddenStates: RowView, cellStates: RowView?, dOutput: RowView?
    let dGatesX: RowView, dGatesH: RowView
    let lengths: UnsafeMutablePointer<Int32>?

    init(_ s: RecurrentBackwardSequence) {
        mode = s.mode; hidden = s.hidden; batch = s.batch; reverse = s.reverse
        saved = s.saved.map(RowView.init); hiddenStates = RowView(s.hiddenStates)
        cellStates = s.cellStates.map(RowView.init); dOutput = s.dOutput.map(RowView.init)
        dGatesX = RowView(s.dGatesX); dGatesH = RowView(s.dGatesH); lengths = lengthPointer(s.lengths)
    }

    /// `RecurrentBackwardSequence.cellStep(time:dhNext:dcNext:dhPrev:dcPrev:)` on raw rows.
    @inline(__always)
    func step(time t: Int, dhNext: RowView, dcNext: RowView?, dhPrev: RowView, dcPrev: RowView?) -> BackwardStepRows {
        let prev = (reverse ? t + 1 : t) * batch, next = (reverse ? t : t + 1) * batch
        return BackwardStepRows(
            mode: mode, hidden: hidden, saved: saved?.from(t * batch), hPrev: hiddenStates.from(prev),
            hOut: hiddenStates.from(next), cPrev: cellStates?.from(prev), dhNext: dhNext, dcNext: dcNext,
            dOutput: dOutput?.from(t * batch), dGatesX: dGatesX.from(t * batch), dGatesH: dGatesH.from(t * batch),
            dhPrev: dhPrev, dcPrev: dcPrev, lengths: lengths, time: t)
    }
}

import Recur

/// The recurrent time loops on the CPU as a persistent team (DESIGN.md: "a persistent kernel for
/// small batches"): each thread owns a share of the work for the whole sequence (`TeamPlan`: a
/// slice of the hidden units or a block of the batch's rows), keeps the rows of W_hh it needs
/// packed, and per time step runs its share of the recurrent product and of the cell update; a
/// units split meets at one barrier per step.
///
/// The per-step form (`recurrentForwardPerStep`) pays two pool dispatches per step, repacks W_hh in
/// the GEMM every step (6% of an lstm-small profile) and leaves a thread idle in the cell step of a
/// small batch; here W_hh stays packed (and, at small sizes, in the thread's L2) for all T steps.
/// Forward and backward side by side; shapes as in `RecurrentForwardSequence`, with r the rows
/// and u the units of a thread's share, u16 = u rounded up to a 16-column panel.
extension CPUBackend {
    /// `Backend.recurrentForward` as a team (above), or the per-step definition where `teamPlan` gives none
    /// (`SequenceLoop.perStep`, fewer than 8 hidden units).
    public func recurrentForward(_ s: RecurrentForwardSequence) throws {
        try profiled("recurrentForward") { try recurrentForwardLoop(s) }
    }

    /// `Backend.recurrentBackward` as a team (above), or the per-step definition where `teamPlan` gives none.
    public func recurrentBackward(_ s: RecurrentBackwardSequence) throws {
        try profiled("recurrentBackward") { try recurrentBackwardLoop(s) }
    }

    private func recurrentForwardLoop(_ s: RecurrentForwardSequence) throws {
        guard let plan = teamPlan(batch: s.batch, hidden: s.hidden, gates: s.mode.gateCount) else {
            return try recurrentForwardPerStep(s)
        }
        let panelFloats = s.hidden * s.mode.gateCount * Self.panelWidth(s.hidden)
        CellBias.withRows(mode: s.mode, hidden: s.hidden, biasIH: s.biasIH, biasHH: s.biasHH) { bias in
            let sequence = ForwardSequenceRows(s, bias: bias)
            let shared = sharedPanels(plan, count: panelFloats)
            pool.team(size: plan.members) { team in forwardMember(team, plan, s, sequence, shared: shared?.floats) }
            withExtendedLifetime(shared) {}
        }
    }

    /// One team member's share of the forward loop.
    private func forwardMember(
        _ team: Team, _ plan: TeamPlan, _ s: RecurrentForwardSequence, _ sequence: ForwardSequenceRows,
        shared: UnsafeMutablePointer<Float>?
    ) {
        let hidden = s.hidden, gates = s.mode.gateCount, batch = s.batch
        let weight = s.hiddenWeight
        let (rows, units) = plan.share(team.rank, of: team.size, batch: batch, hidden: hidden)
        // The packed panels of W_hh^T for these units (G gates x u16/16 panels of H x 16), this
        // thread's own or the team's, and the product (B, G*u16) whose rows `rows` this thread
        // computes: gate k of unit j0+jj at column k*u16 + jj.
        let u16 = Self.panelWidth(units.count)
        let (panels, own) = memberPanels(shared, count: gates * u16 * hidden)
        // The loop uses the buffer only through `panels`: keep it alive to the end.
        defer { withExtendedLifetime(own) {} }
        let product = Matrix(scratch(batch * gates * u16), rows: batch, cols: gates * u16)
        // All ones, loaded from memory: see `opaque` in SIMDMemory.
        let keep = GemmScratch.withScratch(gemmBlocking) { $0.keep }
        // Panel q: gate q / (u16/16), its units' columns from 16 * (q % (u16/16)) on.
        let perGate = u16 / 16
        RowPanelKernels.pack(
            count: gates * perGate, k: hidden, transB: true, UnsafePointer(weight.base), ldb: weight.ld,
            kernels: kernels, into: panels, keep: keep, part: shared == nil ? (0, 1) : (team.rank, team.size)
        ) { q in
            let offset = q % perGate * 16
            return (q / perGate * hidden + units.lowerBound + offset, min(16, units.count - offset))
        }
        // Shared panels are read only once every member has packed its part.
        if shared != nil { team.wait() }
        var phases = LoopPhases.start("recurrentForward", rank: team.rank, profile: profile)
        for step in 0..<s.steps {
            let t = s.time(ofStep: step)
            let hPrev = sequence.hiddenStates.from(s.previousSlotRow(time: t) + rows.lowerBound)
            // product[rows] (r, G*u16) = h_{t-1}[rows] (r, H) * these units' W_hh^T columns.
            RowPanelKernels.product(
                rows: rows.count, k: hidden, a: hPrev.base, lda: hPrev.ld, panels: panels, count: gates * perGate,
                c: product.row(rows.lowerBound), ldc: product.ld, kernels: kernels, depth: rowPanelDepth)
            phases?.productDone()
            CellRows.forward(
                sequence.step(time: t), rows: rows, units: units, kernels: kernels,
                hProj: GateRow(base: product.base, stride: u16), hProjStride: product.ld)
            phases?.cellDone()
            // Units split: h_t is complete once every slice has written its units. A block of rows
            // needs nothing but its own rows.
            if plan.split == .units { team.wait() }
            phases?.waitDone()
        }
        phases?.finish()
    }

    private func recurrentBackwardLoop(_ s: RecurrentBackwardSequence) throws {
        guard let plan = teamPlan(batch: s.batch, hidden: s.hidden, gates: s.mode.gateCount) else {
            return try recurrentBackwardPerStep(s)
        }
        let sequence = BackwardSequenceRows(s)
        let shared = sharedPanels(plan, count: Self.panelWidth(s.hidden) * s.mode.gateCount * s.hidden)
        pool.team(size: plan.members) { team in backwardMember(team, plan, s, sequence, shared: shared?.floats) }
        withExtendedLifetime(shared) {}
    }

    /// One team member's share of the backward loop.
    private func backwardMember(
        _ team: Team, _ plan: TeamPlan, _ s: RecurrentBackwardSequence, _ sequence: BackwardSequenceRows,
        shared: UnsafeMutablePointer<Float>?
    ) {
        let hidden = s.hidden, width = s.mode.gateCount * hidden, batch = s.batch
        let weight = s.hiddenWeight
        let (rows, units) = plan.share(team.rank, of: team.size, batch: batch, hidden: hidden)
        // The columns of W_hh these units need (u16/16 panels of G*H x 16), and the product
        // (B, u16) = dGatesH_t * those columns, of which this thread computes rows `rows`.
        let u16 = Self.panelWidth(units.count)
        let (panels, own) = memberPanels(shared, count: u16 * width)
        defer { withExtendedLifetime(own) {} }
        let product = Matrix(scratch(batch * u16), rows: batch, cols: u16)
        let keep = GemmScratch.withScratch(gemmBlocking) { $0.keep }
        RowPanelKernels.pack(
            count: u16 / 16, k: width, transB: false, UnsafePointer(weight.base), ldb: weight.ld,
            kernels: kernels, into: panels, keep: keep, part: shared == nil ? (0, 1) : (team.rank, team.size)
        ) { q in (units.lowerBound + q * 16, min(16, units.count - q * 16)) }
        if shared != nil { team.wait() }
        var dh = (RowView(s.dh), RowView(s.dhScratch))
        var dc = s.dc.map { (RowView($0), RowView(s.dcScratch!)) }
        var phases = LoopPhases.start("recurrentBackward", rank: team.rank, profile: profile)
        for step in 0..<s.steps {
            let t = s.time(ofStep: step)
            CellRows.backward(
                sequence.step(time: t, dhNext: dh.0, dcNext: dc?.0, dhPrev: dh.1, dcPrev: dc?.1),
                rows: rows, units: units, kernels: kernels)
            phases?.cellDone()
            // Units split: dGatesH_t is complete once every slice has written its units.
            if plan.split == .units { team.wait() }
            phases?.waitDone()
            // dh_{t-1}[rows, units] += dGatesH_t[rows] (r, G*H) * W_hh[:, units].
            let dGates = sequence.dGatesH.from(t * batch + rows.lowerBound)
            RowPanelKernels.product(
                rows: rows.count, k: width, a: dGates.base, lda: dGates.ld, panels: panels, count: u16 / 16,
                c: product.row(rows.lowerBound), ldc: product.ld, kernels: kernels, depth: rowPanelDepth)
            for b in rows {
                let to = dh.1.row(b) + units.lowerBound, from = product.row(b)
                for j in 0..<units.count { to[j] += from[j] }
            }
            dh = (dh.1, dh.0)
            if let pair = dc { dc = (pair.1, pair.0) }
            phases?.productDone()
        }
        phases?.finish()
        // After an odd number of steps this share's result sits in the scratch buffers.
        if s.steps % 2 == 1 {
            for b in rows {
                (s.dh.row(b) + units.lowerBound).update(from: s.dhScratch.row(b) + units.lowerBound, count: units.count)
                if let dcOut = s.dc, let dcScratch = s.dcScratch {
                    (dcOut.row(b) + units.lowerBound).update(from: dcScratch.row(b) + units.lowerBound, count: units.count)
                }
            }
        }
    }

    /// `count` units rounded up to whole 16-column panels.
    static func panelWidth(_ count: Int) -> Int { (count + 15) / 16 * 16 }

    /// The panels a rows split packs once for the whole team (`count` floats), or nil (each member
    /// of a units split packs its own).
    private func sharedPanels(_ plan: TeamPlan, count: Int) -> CPUBuffer? {
        plan.split == .rows ? scratch(count + GemmScratch.slack) : nil
    }

    /// A member's panels: the team's shared ones, or `count` floats of its own (with their buffer).
    private func memberPanels(_ shared: UnsafeMutablePointer<Float>?, count: Int) -> (UnsafeMutablePointer<Float>, CPUBuffer?) {
        if let shared { return (shared, nil) }
        let own = scratch(count + GemmScratch.slack)
        return (own.floats, own)
    }

    /// Host memory for the loop's packed weights and products (written before read: not zeroed).
    /// Inside the team's members, which cannot throw; each is at most a copy of W_hh or of one
    /// step's gate rows, which the caller's buffers already hold, so the system refusing it means
    /// the machine is out of memory mid-loop: stopped with the error rather than run on garbage.
    private func scratch(_ count: Int) -> CPUBuffer {
        do {
            return try CPUBuffer(count: count, gauge: memory, zeroed: false, device: deviceMemory)
        } catch {
            fatalError("the CPU backend's time loop: \(error)")
        }
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

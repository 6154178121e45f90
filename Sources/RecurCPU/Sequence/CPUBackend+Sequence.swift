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
        let layout = MemberLayout(plan.blocks(team.rank, of: team.size, batch: batch, hidden: hidden))
        // The packed panels of W_hh^T for the blocks' units, block after block, each block's G
        // gates x n panels of H x 16 (gate g's panel i at g*n + i); this thread's own or the
        // team's. The product (B, G*16*N), N the blocks' panels: block j's gate g of its unit
        // u0+jj at column 16*G*(panels before j) + 16*n*g + jj; a block fills only its rows.
        let (panels, own) = memberPanels(shared, count: gates * layout.panels * 16 * hidden)
        // The loop uses the buffer only through `panels`: keep it alive to the end.
        defer { withExtendedLifetime(own) {} }
        let product = Matrix(scratch(batch * gates * layout.panels * 16), rows: batch, cols: gates * layout.panels * 16)
        // All ones, loaded from memory: see `opaque` in SIMDMemory.
        let keep = GemmScratch.withScratch(gemmBlocking) { $0.keep }
        for (block, first) in zip(layout.blocks, layout.firstPanels) {
            let n = block.panels.count, u0 = block.panels.lowerBound * 16
            RowPanelKernels.pack(
                count: gates * n, k: hidden, transB: true, UnsafePointer(weight.base), ldb: weight.ld, kernels: kernels,
                into: panels + gates * first * 16 * hidden, keep: keep, part: shared == nil ? (0, 1) : (team.rank, team.size)
            ) { q in
                let unit = u0 + q % n * 16
                return (q / n * hidden + unit, min(16, hidden - unit))
            }
        }
        // Shared panels are read only once every member has packed its part.
        if shared != nil { team.wait() }
        var phases = LoopPhases.start("recurrentForward", rank: team.rank, profile: profile)
        for step in 0..<s.steps {
            let t = s.time(ofStep: step)
            for (block, first) in zip(layout.blocks, layout.firstPanels) {
                // product[rows, block] (r, G*16*n) = h_{t-1}[rows] (r, H) * the block's W_hh^T columns.
                let hPrev = sequence.hiddenStates.from(s.previousSlotRow(time: t) + block.rows.lowerBound)
                RowPanelKernels.product(
                    rows: block.rows.count, k: hidden, a: hPrev.base, lda: hPrev.ld,
                    panels: panels + gates * first * 16 * hidden, count: gates * block.panels.count,
                    c: product.row(block.rows.lowerBound) + gates * first * 16, ldc: product.ld, kernels: kernels,
                    depth: rowPanelDepth)
            }
            phases?.productDone()
            let cellStep = sequence.step(time: t)
            for (block, first) in zip(layout.blocks, layout.firstPanels) {
                CellRows.forward(
                    cellStep, rows: block.rows, units: block.units(hidden: hidden), kernels: kernels,
                    hProj: GateRow(base: product.base + gates * first * 16, stride: 16 * block.panels.count),
                    hProjStride: product.ld)
            }
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
        let layout = MemberLayout(plan.blocks(team.rank, of: team.size, batch: batch, hidden: hidden))
        // The columns of W_hh the blocks' units need (N panels of G*H x 16, block after block),
        // and the product (B, 16*N) = dGatesH_t * those columns, which each block fills on its rows.
        let (panels, own) = memberPanels(shared, count: layout.panels * 16 * width)
        defer { withExtendedLifetime(own) {} }
        let product = Matrix(scratch(batch * layout.panels * 16), rows: batch, cols: layout.panels * 16)
        let keep = GemmScratch.withScratch(gemmBlocking) { $0.keep }
        for (block, first) in zip(layout.blocks, layout.firstPanels) {
            let u0 = block.panels.lowerBound * 16
            RowPanelKernels.pack(
                count: block.panels.count, k: width, transB: false, UnsafePointer(weight.base), ldb: weight.ld,
                kernels: kernels, into: panels + first * 16 * width, keep: keep,
                part: shared == nil ? (0, 1) : (team.rank, team.size)
            ) { q in (u0 + q * 16, min(16, hidden - u0 - q * 16)) }
        }
        if shared != nil { team.wait() }
        var dh = (RowView(s.dh), RowView(s.dhScratch))
        var dc = s.dc.map { (RowView($0), RowView(s.dcScratch!)) }
        var phases = LoopPhases.start("recurrentBackward", rank: team.rank, profile: profile)
        for step in 0..<s.steps {
            let t = s.time(ofStep: step)
            let cellStep = sequence.step(time: t, dhNext: dh.0, dcNext: dc?.0, dhPrev: dh.1, dcPrev: dc?.1)
            for block in layout.blocks {
                CellRows.backward(cellStep, rows: block.rows, units: block.units(hidden: hidden), kernels: kernels)
            }
            phases?.cellDone()
            // Units split: dGatesH_t is complete once every slice has written its units.
            if plan.split == .units { team.wait() }
            phases?.waitDone()
            for (block, first) in zip(layout.blocks, layout.firstPanels) {
                // dh_{t-1}[rows, units] += dGatesH_t[rows] (r, G*H) * W_hh[:, units].
                let dGates = sequence.dGatesH.from(t * batch + block.rows.lowerBound)
                let columns = product.row(0) + first * 16
                RowPanelKernels.product(
                    rows: block.rows.count, k: width, a: dGates.base, lda: dGates.ld, panels: panels + first * 16 * width,
                    count: block.panels.count, c: columns + block.rows.lowerBound * product.ld, ldc: product.ld,
                    kernels: kernels, depth: rowPanelDepth)
                let units = block.units(hidden: hidden)
                for b in block.rows {
                    let to = dh.1.row(b) + units.lowerBound, from = columns + b * product.ld
                    for j in 0..<units.count { to[j] += from[j] }
                }
            }
            dh = (dh.1, dh.0)
            if let pair = dc { dc = (pair.1, pair.0) }
            phases?.productDone()
        }
        phases?.finish()
        // After an odd number of steps this share's result sits in the scratch buffers.
        if s.steps % 2 == 1 {
            for block in layout.blocks {
                let units = block.units(hidden: hidden)
                for b in block.rows {
                    (s.dh.row(b) + units.lowerBound).update(from: s.dhScratch.row(b) + units.lowerBound, count: units.count)
                    if let dcOut = s.dc, let dcScratch = s.dcScratch {
                        (dcOut.row(b) + units.lowerBound).update(from: dcScratch.row(b) + units.lowerBound, count: units.count)
                    }
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

/// A member's blocks (`TeamPlan.blocks`) with where each block's panels start among the member's
/// packed panels (in panels of one gate for the forward, of W_hh's columns for the backward).
struct MemberLayout {
    let blocks: [TeamBlock]
    /// Panels before block j: `firstPanels[j]`.
    let firstPanels: [Int]
    /// The blocks' panels in all.
    let panels: Int

    init(_ blocks: [TeamBlock]) {
        self.blocks = blocks
        var first: [Int] = [], count = 0
        for block in blocks {
            first.append(count)
            count += block.panels.count
        }
        firstPanels = first
        panels = count
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

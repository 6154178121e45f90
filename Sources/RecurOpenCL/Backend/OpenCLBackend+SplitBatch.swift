import Recur

/// The per-step time loop with the batch split across queues, for CPU devices (POCL).
///
/// POCL ran a small batch's per-step GEMM and cell kernel (tens of microseconds each) on one
/// thread whatever their range (lstm-small's forward cell, 2 work-groups: 36 us, as with one
/// work-group or POCL_MAX_PTHREAD_COUNT=1; POCL's newer scheduler sources run a kernel whose
/// estimated time is under 0.2 ms on the thread that picks it up), so every other core idled for
/// the whole loop. The sequences of a batch are independent within a layer, so
/// each compute unit's queue runs the loop over its own rows (the same kernels, on row views),
/// and POCL's threads take the queues' kernels side by side. The queues meet twice: the side
/// queues wait for everything enqueued before the loop (the input projection, the packed
/// weights), and the main queue waits for the side queues before anything after it.
///
/// Measured on POCL (2 shared cores). The forward loop of an LSTM, T = 64, one queue against two
/// (throwaway probe, medians): H = 128, B = 32 (lstm-small): 5.1-6.9 against 3.2-4.3 ms; H = 256,
/// B = 32: 13.7 against 10.7 ms. Whole training steps, `RECUR_OPENCL_LOOP=per-step` against
/// `split`, alternating runs: lstm-small 15.0-16.9 against 11.7-14.5 ms; gru-medium 136-193
/// against 133-152 ms (5 of 5 rounds faster), lstm-charlm 387-565 against 379-436 ms (5 of 5),
/// lstm-medium 174-267 against 180-307 ms (3 of 5), rnn-tanh-medium 51-53 against 45-55 ms (2 of
/// 3): their GEMMs use both threads already, but their cell kernels (0.1-0.3 ms) did not.
/// lstm-large lost (635-648 against 596-750 ms). `.automatic` used to split steps up to 256 MFLOP
/// of recurrent GEMM; the whole-sequence loop (OpenCLBackend+WholeSequence.swift), which reuses
/// these queues and row parts with one launch per part, has since replaced it on CPU devices, and
/// the split loop runs only when forced (`RECUR_OPENCL_LOOP=split`), to time the two.
extension OpenCLBackend {
    /// Fewest rows of a part: gemm_packed computes blocks of 8 rows.
    static let splitPartMinimumRows = 8

    /// The row ranges of the batch, one per queue, or nil when the loop runs on one queue: unless
    /// the split loop is forced, on devices other than CPUs, with a single compute unit, on the
    /// tiled GEMM path, and for batches under two parts of 8 rows.
    func batchParts(_ batch: Int) -> [Range<Int>]? {
        guard sequenceLoop == .split else { return nil }
        guard device.kind == .cpu, tuning.packed else { return nil }
        return Self.rowParts(batch, count: device.computeUnits)
    }

    /// At most `count` ranges of `batch` rows, or nil for fewer than two: parts of a multiple of 8
    /// rows (the nearest to an even share) while at least 8 rows are left after them; the last
    /// part takes the rest.
    static func rowParts(_ batch: Int, count wanted: Int) -> [Range<Int>]? {
        let unit = splitPartMinimumRows
        let count = min(wanted, batch / unit)
        guard count >= 2 else { return nil }
        let share = max(unit, (batch / count + unit / 2) / unit * unit)
        var parts: [Range<Int>] = []
        var start = 0
        while parts.count < count - 1, start + share <= batch - unit {
            parts.append(start..<(start + share))
            start += share
        }
        parts.append(start..<batch)
        return parts.count >= 2 ? parts : nil
    }

    /// The queues of `count` parts: the main queue, then side queues (made once).
    private func partQueues(_ count: Int) throws -> [CommandQueue] {
        while sideQueues.count < count - 1 { sideQueues.append(try CommandQueue(context: context, defines: queue.defines, profile: queue.profile)) }
        return [queue] + sideQueues.prefix(count - 1)
    }

    /// Each part's own copy of its rows of `lengths` (the cell kernels index lengths from the
    /// first row of their views), copied on the main queue; nil entries without lengths.
    private func partLengths(_ lengths: (any DeviceBuffer)?, _ parts: [Range<Int>]) throws -> [Buffer?] {
        guard let lengths else { return parts.map { _ in nil } }
        let source = try own(lengths)
        return try parts.map { rows in
            let copy = try Buffer(context: context, count: rows.count, recycler: recycler)
            try queue.copy(from: source, offset: rows.lowerBound, to: copy, count: rows.count)
            return copy
        }
    }

    /// Runs `body` with the parts' queues after they have all waited for the main queue's work so
    /// far; the main queue then waits for all of them.
    func splitAcross(_ parts: [Range<Int>], _ body: ([CommandQueue]) throws -> Void) throws {
        let queues = try partQueues(parts.count)
        let start = try queue.marker()
        for side in queues.dropFirst() { try side.wait(for: [start]) }
        try body(queues)
        try queue.wait(for: try queues.dropFirst().map { try $0.marker() })
    }

    /// `recurrentForwardPerStep` with each part's rows on its own queue; hProj (B, G*H) scratch.
    func recurrentForwardSplit(_ s: RecurrentForwardSequence, hProj: Matrix, parts: [Range<Int>]) throws {
        for written in [s.hiddenStates, s.output] + [s.cellStates, s.saved].compactMap({ $0 }) {
            packCache.invalidate(ViewArgument(written).buffer)
        }
        packCache.invalidate(ViewArgument(hProj).buffer)
        let gates = s.mode.gateCount * s.hidden
        // W_hh^T packed on the main queue, before the side queues' start.
        let packedW = try packB(s.hiddenWeight, transposed: true, k: s.hidden, n: gates)
        let lengths = try partLengths(s.lengths, parts)
        try splitAcross(parts) { queues in
            for step in 0..<s.steps {
                let t = s.time(ofStep: step)
                let whole = s.cellStep(time: t, hProj: hProj)
                for (part, partQueue) in zip(parts.indices, queues) {
                    let rows = parts[part]
                    let cell = whole.rows(rows, lengths: lengths[part])
                    try partQueue.enqueue(GEMMPacked(
                        m: Int32(rows.count), n: Int32(gates), k: Int32(s.hidden), alpha: 1, a: ViewArgument(cell.hPrev),
                        packed: packedW, packedOffset: 0, beta: 0, c: ViewArgument(cell.hProj), tuning: tuning))
                    try enqueueCellForward(cell, on: partQueue)
                }
            }
        }
    }

    /// `recurrentBackwardPerStep` with each part's rows on its own queue.
    func recurrentBackwardSplit(_ s: RecurrentBackwardSequence, parts: [Range<Int>]) throws {
        let written = [s.dGatesX, s.dGatesH, s.dh, s.dhScratch] + [s.dc, s.dcScratch].compactMap { $0 }
        for view in written { packCache.invalidate(ViewArgument(view).buffer) }
        let gates = s.mode.gateCount * s.hidden
        // W_hh (G*H x H) packed as the B of dh += dGatesH W_hh, on the main queue.
        let packedW = try packB(s.hiddenWeight, transposed: false, k: gates, n: s.hidden)
        let lengths = try partLengths(s.lengths, parts)
        var dh = (s.dh, s.dhScratch)
        var dc = s.dc.map { ($0, s.dcScratch!) }
        try splitAcross(parts) { queues in
            for step in 0..<s.steps {
                let t = s.time(ofStep: step)
                let whole = s.cellStep(time: t, dhNext: dh.0, dcNext: dc?.0, dhPrev: dh.1, dcPrev: dc?.1)
                for (part, partQueue) in zip(parts.indices, queues) {
                    let rows = parts[part]
                    let cell = whole.rows(rows, lengths: lengths[part])
                    try enqueueCellBackward(cell, on: partQueue)
                    try partQueue.enqueue(GEMMPacked(
                        m: Int32(rows.count), n: Int32(s.hidden), k: Int32(gates), alpha: 1, a: ViewArgument(cell.dGatesH),
                        packed: packedW, packedOffset: 0, beta: 1, c: ViewArgument(cell.dhPrev), tuning: tuning))
                }
                dh = (dh.1, dh.0)
                if let pair = dc { dc = (pair.1, pair.0) }
            }
        }
        try moveBackwardResult(s)
    }
}

extension CellForwardStep {
    /// The step over batch rows `r` only: every (B, ·) view cut to those rows, and `partLengths`
    /// the lengths of those rows alone (the kernels index lengths from row 0), or nil without.
    func rows(_ r: Range<Int>, lengths partLengths: (any DeviceBuffer)?) -> CellForwardStep {
        precondition((lengths == nil) == (partLengths == nil), "a cell step cut into rows without its lengths")
        func cut(_ m: Matrix) -> Matrix { m.rows(r.lowerBound, r.count) }
        return CellForwardStep(
            mode: mode, xProj: cut(xProj), hProj: cut(hProj), biasIH: biasIH, biasHH: biasHH, hPrev: cut(hPrev),
            hNext: cut(hNext), cPrev: cPrev.map(cut), cNext: cNext.map(cut), output: cut(output),
            saved: saved.map(cut), lengths: partLengths, time: time)
    }
}

extension CellBackwardStep {
    /// The step over batch rows `r` only, as `CellForwardStep.rows(_:lengths:)`.
    func rows(_ r: Range<Int>, lengths partLengths: (any DeviceBuffer)?) -> CellBackwardStep {
        precondition((lengths == nil) == (partLengths == nil), "a cell step cut into rows without its lengths")
        func cut(_ m: Matrix) -> Matrix { m.rows(r.lowerBound, r.count) }
        return CellBackwardStep(
            mode: mode, saved: saved.map(cut), hPrev: cut(hPrev), hOut: cut(hOut), cPrev: cPrev.map(cut),
            dhNext: cut(dhNext), dcNext: dcNext.map(cut), dOutput: dOutput.map(cut), dGatesX: cut(dGatesX),
            dGatesH: cut(dGatesH), dhPrev: cut(dhPrev), dcPrev: dcPrev.map(cut), lengths: partLengths, time: time)
    }
}

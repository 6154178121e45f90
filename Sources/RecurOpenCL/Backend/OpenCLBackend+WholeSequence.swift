import Recur

/// The whole-sequence time loop, for CPU devices (POCL): one launch of sequence_forward.cl
/// (sequence_backward.cl) runs a layer direction's every step, one work-group per share of the
/// batch. POCL runs a work-group on one thread, so the group's barriers between a step's
/// recurrent product and its cell cost nothing, and the launches (two per step, then one per
/// sequence) and their scheduling drop out; each compute unit's queue takes its own rows (the
/// sequences of a batch are independent within a layer; OpenCLBackend+RowParts.swift); the kernels read the whole batch's
/// lengths from their first row, so no part needs a copy of them. A batch too small to share out
/// by rows (fewer than 16 rows on two compute units: batch 1 ran on one core) shares out each
/// step's hidden units among one launch's work-groups instead (`UnitParts`).
extension OpenCLBackend {
    /// The batch rows of each work-group, or nil when the whole-sequence loop does not run: only
    /// on CPU devices with the packed GEMM (a GPU would run the loop on one compute unit), for
    /// `.sequence` and `.automatic`, every batch size. Training-step medians on POCL (2 cores,
    /// POCL_AFFINITY=1, alternating runs): lstm-small 3.3-3.45 ms against the per-step loop
    /// split across queues by rows, 6.3-12 (unpinned, busy machine: 7.3-8.0 against 10.3-12.9); lstm-b1, one group on
    /// one core, 4.6-5.3 ms against the fused loop's 8.5-10.
    func wholeSequenceParts(batch: Int) -> [Range<Int>]? {
        guard runsWholeSequences, batch > 0 else { return nil }
        guard qualification.allows(.rowParts) else { return [0..<batch] }
        return Self.rowParts(batch, count: device.computeUnits) ?? [0..<batch]
    }

    /// Whether the time loops run as whole-sequence kernels (every batch size alike).
    var runsWholeSequences: Bool {
        switch sequenceLoop {
        case .sequence, .automatic: device.kind == .cpu && tuning.packed && qualification.allows(.wholeSequence)
        case .fused, .perStep: false
        }
    }

    /// `recurrentForward` as one sequence_forward launch per part.
    func recurrentForwardWhole(_ s: RecurrentForwardSequence, parts: [Range<Int>]) throws {
        for written in [s.hiddenStates, s.output] + [s.cellStates, s.saved].compactMap({ $0 }) {
            packCache.invalidate(ViewArgument(written).buffer)
        }
        let units = try unitParts(hidden: s.hidden, steps: s.steps, rowParts: parts.count)
        let width = s.mode.gateCount * units.gateStride
        let hProj = Matrix(try scratchBuffer(.hiddenProjection, count: s.batch * width), rows: s.batch, cols: width)
        packCache.invalidate(ViewArgument(hProj).buffer)
        // W_hh^T with each gate padded to the parts' stride, packed straight from W_hh.
        let packedW = try packB(s.hiddenWeight, transposed: true, k: s.hidden, n: width,
                                gates: units.gateStride == s.hidden ? nil : (units.gateStride, s.hidden))
        try eachPart(parts) { rows, partQueue in
            try partQueue.enqueue(SequenceForward(
                s, rows: rows, hProj: hProj.rows(rows.lowerBound, rows.count), packedW: packedW, units: units,
                workItems: SequenceKernels.workItems, tuning: tuning, dummy: dummy))
        }
    }

    /// `recurrentBackward` as one sequence_backward launch per part.
    func recurrentBackwardWhole(_ s: RecurrentBackwardSequence, parts: [Range<Int>]) throws {
        let written = [s.dGatesX, s.dGatesH, s.dh, s.dhScratch] + [s.dc, s.dcScratch].compactMap { $0 }
        for view in written { packCache.invalidate(ViewArgument(view).buffer) }
        if s.steps > 0 {
            let packedW = try packB(s.hiddenWeight, transposed: false, k: s.mode.gateCount * s.hidden, n: s.hidden)
            let units = try unitParts(hidden: s.hidden, steps: s.steps, rowParts: parts.count)
            try eachPart(parts) { rows, partQueue in
                try partQueue.enqueue(SequenceBackward(
                    s, rows: rows, packedW: packedW, units: units, workItems: SequenceKernels.workItems,
                    tuning: tuning, dummy: dummy))
            }
        }
        try moveBackwardResult(s)
    }

    /// How a launch over the whole batch (one part of rows) shares each step's hidden units: one
    /// group a compute unit, each claiming parts of 16-unit multiples (`UnitParts`), where the
    /// device has several compute units and the units split into at least two such parts; else
    /// one group. Several parts of rows already keep the compute units busy, one group each.
    /// Their counters are zeroed on the main queue, ahead of the launch.
    func unitParts(hidden: Int, steps: Int, rowParts: Int) throws -> UnitParts {
        let wanted = unitPartsWanted ?? device.computeUnits
        guard rowParts == 1, wanted > 1, qualification.allows(.unitParts),
              let parts = UnitParts.split(
                hidden: hidden, wanted: wanted,
                sync: try scratchBuffer(.sequenceSync, count: UnitParts.syncCount(steps: steps, parts: wanted)),
                steps: steps)
        else { return .whole(hidden: hidden, dummy: dummy) }
        // Int32 zeros are float zeros' bits.
        try fill(Matrix(parts.sync, rows: 1, cols: parts.syncCount), value: 0)
        return parts
    }

    /// Calls `body` for each part with its rows and its queue: the main queue for a single part
    /// (the whole batch), else one queue per part (`splitAcross`).
    private func eachPart(_ parts: [Range<Int>], _ body: (Range<Int>, CommandQueue) throws -> Void) throws {
        if parts.count == 1 {
            try body(parts[0], queue)
            return
        }
        try splitAcross(parts) { queues in
            for (rows, partQueue) in zip(parts, queues) { try body(rows, partQueue) }
        }
    }
}

import Recur

/// Launches of Kernels/sequence_forward.cl and sequence_backward.cl, forward beside backward: a
/// layer direction's whole time loop in one work-group, over the batch rows `rows` of the
/// sequence (OpenCLBackend+WholeSequence.swift gives each compute unit's queue its own rows), or,
/// for a batch too small to share out, in one launch whose groups share each step's units
/// (`UnitParts`).

/// `sequence_forward`: hProj = h_{t-1} W_hh^T and the cell, for every step (RecurrentForwardSequence).
struct SequenceForward: KernelLaunch {
    static let kernel = KernelName.sequenceForward

    var mode, steps, batch, hidden, reverse: Int32
    var xProj: SlottedViewArgument                    // T slots of (B, G*H)
    var gateStride: Int32                             // S: H, or H padded to 32 for unit parts
    var packedW: Buffer                               // W_hh^T (H x G*S) in 16-column panels
    var packedCount: Int
    var biasIH, biasHH: ViewArgument                  // (1, G*H), read when hasBias
    var hasBias: Int32
    var hiddenStates, cellStates: SlottedViewArgument // T+1 slots of (B, H)
    var output: SlottedViewArgument                   // T slots of (B, H)
    var saved: SlottedViewArgument                    // T slots of (B, S*H), written when hasSaved
    var hasSaved: Int32
    var hProj: ViewArgument                           // (B, G*S) scratch
    var lengths: [KernelArgument]                     // the whole batch's, from this part's first row
    var units: UnitParts                              // one group, or parts claimed by several
    var workItems: Int

    var arguments: [KernelArgument] {
        [.int32(mode), .int32(steps), .int32(batch), .int32(hidden), .int32(reverse)] + xProj.arguments
            + [.int32(gateStride), .buffer(packedW, needs: packedCount)] + biasIH.vectorArguments + biasHH.vectorArguments
            + [.int32(hasBias)] + hiddenStates.arguments + cellStates.arguments + output.arguments
            + saved.arguments + [.int32(hasSaved)] + hProj.arguments + lengths + units.arguments
    }
    var globalSize: [Int] { [units.count * workItems] }
    var localSize: [Int]? { [workItems] }
    var defines: [String: String]

    /// Rows `rows` of `s`, with `hProj` (rows, G*S) scratch and `packedW` W_hh^T packed
    /// (`PackBPanels`, transposed) with S = `units.gateStride` columns a gate, its units shared as `units` says.
    init(_ s: RecurrentForwardSequence, rows: Range<Int>, hProj: Matrix,
         packedW: Buffer, units: UnitParts, workItems: Int, tuning: GEMMTuning, dummy: Buffer) {
        let slots = (count: s.steps, batch: s.batch, rows: rows)
        mode = CellKernels(s.mode).sequenceMode; steps = Int32(s.steps); batch = Int32(rows.count)
        hidden = Int32(s.hidden); reverse = s.reverse ? 1 : 0
        xProj = SlottedViewArgument(s.xProj, slots)
        self.packedW = packedW
        gateStride = Int32(units.gateStride)
        packedCount = PackBPanels.packedCount(k: s.hidden, n: s.mode.gateCount * units.gateStride)
        biasIH = s.biasIH.argument(or: dummy); biasHH = s.biasHH.argument(or: dummy)
        hasBias = s.biasIH == nil ? 0 : 1
        let states = (count: s.steps + 1, batch: s.batch, rows: rows)
        hiddenStates = SlottedViewArgument(s.hiddenStates, states)
        cellStates = s.cellStates.map { SlottedViewArgument($0, states) } ?? SlottedViewArgument(absent: dummy)
        output = SlottedViewArgument(s.output, slots)
        saved = s.saved.map { SlottedViewArgument($0, slots) } ?? SlottedViewArgument(absent: dummy)
        hasSaved = s.saved == nil ? 0 : 1
        self.hProj = ViewArgument(hProj)
        lengths = LengthsArgument.rows(rows, of: s.lengths, dummy: dummy)
        self.units = units
        self.workItems = workItems
        defines = tuning.packedDefines
    }
}

/// `sequence_backward`: the cell's backward and dh_{t-1} += dGatesH_t W_hh for every step, in the
/// reverse of the forward's order (RecurrentBackwardSequence).
struct SequenceBackward: KernelLaunch {
    static let kernel = KernelName.sequenceBackward

    var mode, steps, batch, hidden, reverse: Int32
    var packedW: Buffer                                 // W_hh (G*H x H) in 16-column panels
    var packedCount: Int
    var saved, hiddenStates, cellStates: SlottedViewArgument
    var dOutput: SlottedViewArgument                    // read when hasDOutput
    var hasDOutput: Int32
    var dGatesX, dGatesH: SlottedViewArgument           // T slots of (B, G*H), written
    var dh, dhScratch, dc, dcScratch: ViewArgument      // (B, H)
    var lengths: [KernelArgument]                       // the whole batch's, from this part's first row
    var units: UnitParts
    var workItems: Int

    var arguments: [KernelArgument] {
        [.int32(mode), .int32(steps), .int32(batch), .int32(hidden), .int32(reverse)]
            + [.buffer(packedW, needs: packedCount)] + saved.arguments + hiddenStates.arguments
            + cellStates.arguments + dOutput.arguments + [.int32(hasDOutput)] + dGatesX.arguments
            + dGatesH.arguments + dh.arguments + dhScratch.arguments + dc.arguments + dcScratch.arguments
            + lengths + units.arguments
    }
    var globalSize: [Int] { [units.count * workItems] }
    var localSize: [Int]? { [workItems] }
    var defines: [String: String]

    /// Rows `rows` of `s`, as `SequenceForward.init`; `packedW` is W_hh packed (not transposed).
    init(_ s: RecurrentBackwardSequence, rows: Range<Int>, packedW: Buffer, units: UnitParts, workItems: Int,
         tuning: GEMMTuning, dummy: Buffer) {
        let slots = (count: s.steps, batch: s.batch, rows: rows)
        let states = (count: s.steps + 1, batch: s.batch, rows: rows)
        func cut(_ m: Matrix) -> ViewArgument { ViewArgument(m.rows(rows.lowerBound, rows.count)) }
        mode = CellKernels(s.mode).sequenceMode; steps = Int32(s.steps); batch = Int32(rows.count)
        hidden = Int32(s.hidden); reverse = s.reverse ? 1 : 0
        self.packedW = packedW
        packedCount = PackBPanels.packedCount(k: s.mode.gateCount * s.hidden, n: s.hidden)
        saved = s.saved.map { SlottedViewArgument($0, slots) } ?? SlottedViewArgument(absent: dummy)
        hiddenStates = SlottedViewArgument(s.hiddenStates, states)
        cellStates = s.cellStates.map { SlottedViewArgument($0, states) } ?? SlottedViewArgument(absent: dummy)
        dOutput = s.dOutput.map { SlottedViewArgument($0, slots) } ?? SlottedViewArgument(absent: dummy)
        hasDOutput = s.dOutput == nil ? 0 : 1
        dGatesX = SlottedViewArgument(s.dGatesX, slots)
        dGatesH = SlottedViewArgument(s.dGatesH, slots)
        dh = cut(s.dh); dhScratch = cut(s.dhScratch)
        dc = s.dc.map(cut) ?? ViewArgument(absent: dummy)
        dcScratch = s.dcScratch.map(cut) ?? ViewArgument(absent: dummy)
        lengths = LengthsArgument.rows(rows, of: s.lengths, dummy: dummy)
        self.units = units
        self.workItems = workItems
        defines = tuning.packedDefines
    }
}

/// How one whole-sequence launch shares each step's hidden units (Kernels/sequence_parts.cl):
/// `count` parts of `unitsPerPart` units (the last takes the rest), claimed step by step by `count` work-groups (one a
/// part), with a done counter and a claim flag per part for each phase in `sync`; or one part,
/// every unit in one group.
struct UnitParts {
    let count: Int
    let unitsPerPart: Int
    let hidden: Int
    let sync: Buffer
    let syncCount: Int

    /// Every unit in one group; `sync` is never read.
    static func whole(hidden: Int, dummy: Buffer) -> UnitParts {
        UnitParts(count: 1, unitsPerPart: hidden, hidden: hidden, sync: dummy, syncCount: 0)
    }

    /// At most `wanted` parts of whole panels (16 units) but the last, which takes the rest, or
    /// nil where that gives fewer than two (or H is under 64). Each part is an even share rounded
    /// to the nearest panel: 129 units in two parts are 64 and 65 (rounding up made them 80 and
    /// 49, and rounding down 64, 64 and a part of 1 unit that cost a whole phase's wait).
    /// Parts were whole pairs of panels (32 units) until the packed blocks could start at any
    /// panel: 129 units then took 2 and 3 pairs a gate. Now they take 4 and 5 panels: at batch 1
    /// (the one-row loop computes one panel alone) 5 panels of work against 6, and H 257 9
    /// against 10; a block of several rows computes both panels of its last pair.
    /// `sync` must hold `syncCount(steps:parts:)` zeros at each launch.
    static func split(hidden: Int, wanted: Int, sync: Buffer, steps: Int) -> UnitParts? {
        guard wanted >= 2, hidden >= 64 else { return nil }
        let unitsPerPart = max(16, (hidden / wanted + 8) / 16 * 16)
        let count = min(wanted, (hidden + unitsPerPart - 1) / unitsPerPart)
        guard count >= 2 else { return nil }
        return UnitParts(count: count, unitsPerPart: unitsPerPart, hidden: hidden, sync: sync,
                         syncCount: syncCount(steps: steps, parts: count))
    }

    /// Counters and flags for the phases of a launch of `steps` steps (the backward's has one
    /// more phase) in `parts` parts.
    static func syncCount(steps: Int, parts: Int) -> Int { (steps + 1) * (parts + 1) }

    var arguments: [KernelArgument] {
        [.int32(Int32(count)), .int32(Int32(unitsPerPart)), .buffer(sync, needs: syncCount)]
    }

    /// The forward's columns from one gate to the next in the packed W_hh^T and hProj: H for one
    /// part; with several, H rounded up to 16, so that each part's columns of every gate are whole
    /// panels whatever H is (H = 16k + 1 would otherwise leave every gate but the first
    /// straddling panels: such shapes ran on one group, one core of a CPU device).
    var gateStride: Int { count == 1 ? unitsPerPart : (hidden + 15) / 16 * 16 }
}

enum SequenceKernels {
    /// Work-items per group. POCL runs a group's work-items one after the other on one thread, so
    /// one work-item taking every task of a step does the same work without the per-item loop
    /// around each phase. lstm-small training on POCL (medians of 9, a busy 2-core machine, so
    /// only the ordering counts): 1 item 6.9-8.7 ms, 8 items 8.5-9.8, 16 items 8.4, 256 items
    /// 12.2, one item per cell unit (2048, scalar cells) 16.8. The kernels take any count.
    static let workItems = 1
}

/// A view of `slots` time slots of a batch, each `batch` rows of a (slots * batch, C) matrix, cut
/// to the rows `rows` of every slot: the whole-sequence kernels' (pointer, offset, ld, step),
/// where step is the elements from one slot to the next.
struct SlottedViewArgument {
    let buffer: Buffer
    let offset, ld, step: Int32
    let needs: Int

    init(_ matrix: Matrix, _ slots: (count: Int, batch: Int, rows: Range<Int>)) {
        precondition(matrix.rows == slots.count * slots.batch, "a slotted view of the wrong height")
        let view = ViewArgument(matrix.rows(slots.rows.lowerBound, slots.rows.count))
        buffer = view.buffer
        offset = view.offset
        ld = view.ld
        step = Int32(slots.batch * matrix.ld)
        let empty = slots.count == 0 || slots.rows.isEmpty || matrix.cols == 0
        needs = empty ? 0 : Int(offset) + (slots.count - 1) * Int(step) + (slots.rows.count - 1) * Int(ld) + matrix.cols
    }

    /// A stand-in for an absent optional view (the kernel is told by a flag or the mode not to touch it).
    init(absent dummy: Buffer) {
        buffer = dummy
        offset = 0
        ld = 0
        step = 0
        needs = 0
    }

    var arguments: [KernelArgument] { [.buffer(buffer, needs: needs), .int32(offset), .int32(ld), .int32(step)] }
}

import Recur

/// The batch shared out by rows across queues, for the whole-sequence loop on CPU devices (POCL):
/// the sequences of a batch are independent within a layer, so each compute unit's queue runs its
/// own rows' launch and POCL's threads take them side by side (POCL ran a small launch on one
/// thread whatever its range, so one queue left every other core idle). The queues meet twice: the
/// side queues wait for everything enqueued before (the input projection, the packed weights), and
/// the main queue waits for the side queues before anything after.
///
/// A per-step loop split this way (one GEMM and one cell launch per part and step) ran until
/// 2026-12: it beat the one-queue per-step loop on POCL (lstm-small 11.7-14.5 against 15.0-16.9 ms
/// a training step) but lost to the whole-sequence loop (3.3-3.45 ms), which replaced it on CPU
/// devices; on GPUs one queue's launches already fill the device. No device ran it unforced, so it
/// was deleted.
extension OpenCLBackend {
    /// Fewest rows of a part: a batch below two parts of 8 rows shares out its units instead
    /// (`UnitParts`), whose parts each still run every row.
    static let partMinimumRows = 8

    /// At most `count` ranges of `batch` rows, or nil for fewer than two: even shares, every
    /// boundary on an even row, each part at least 8 rows. packed_block ends a part's rows in a
    /// 2- or 4-row block, so a part's cost follows its rows and even shares balance the queues.
    /// (Its blocks were 8 rows whether or not the rows existed: parts were multiples of 8 then, and
    /// batch 20 went as 8 and 12 rows.)
    static func rowParts(_ batch: Int, count wanted: Int) -> [Range<Int>]? {
        let count = min(wanted, batch / partMinimumRows)
        guard count >= 2 else { return nil }
        var bounds = (0..<count).map { (batch * $0 / count + 1) / 2 * 2 }
        bounds.append(batch)
        return zip(bounds, bounds.dropFirst()).map { $0..<$1 }
    }

    /// The queues of `count` parts: the main queue, then side queues (made once).
    private func partQueues(_ count: Int) throws -> [CommandQueue] {
        while sideQueues.count < count - 1 { sideQueues.append(try CommandQueue(context: context, defines: queue.defines, profile: queue.profile)) }
        return [queue] + sideQueues.prefix(count - 1)
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
}

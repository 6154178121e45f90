import Recur

/// The time loop product's A (the previous state, or the step's gate gradients) copied to rows one
/// cache line longer when its own row stride is a multiple of 4 KiB.
///
/// Why: the row kernels broadcast one float from each of 12 rows per k step. With a stride of
/// 4 KiB (the state of H = 1024, the gate gradients of H = 256 and 512) those 12 floats lie in one
/// L1 set, which holds 12 lines, so the rows evict one another and the panel. RECUR_CPU_PROFILE,
/// LSTM 1024 -> H, batch 64: the forward product took 2065-2233 us a step at H = 1024 against
/// 1500 at H = 1008 and 1675 at H = 1040. The copy costs one pass over A per thread and step.
/// `RecurrentLayer` pads such rows itself (`paddedStride`), so this copies only for callers of the
/// backend protocol that do not.
struct PaddedRows {
    /// Keeps `copy` alive; nil when A is read where it is.
    private let buffer: CPUBuffer?
    private let ld: Int

    /// For A of `rows` x `cols` with row stride `sourceLD`.
    init(rows: Int, cols: Int, sourceLD: Int, gauge: MemoryGauge) {
        guard rows > 1, sourceLD % Self.conflictStride == 0 else {
            buffer = nil
            ld = sourceLD
            return
        }
        ld = cols + Self.lineFloats
        buffer = CPUBuffer(count: rows * ld, gauge: gauge, zeroed: false)
    }

    /// `a`'s first `rows` x `cols`, or a copy of them with the padded stride.
    @inline(__always)
    func rows(_ a: RowView, rows: Int, cols: Int) -> RowView {
        guard let buffer else { return a }
        let copy = RowView(base: buffer.floats, ld: ld)
        for r in 0..<rows { copy.row(r).update(from: a.row(r), count: cols) }
        return copy
    }

    /// 4 KiB in floats: L1 set index repeats every 4 KiB (64 sets of 64-byte lines).
    private static let conflictStride = 1024
    private static let lineFloats = 16
}

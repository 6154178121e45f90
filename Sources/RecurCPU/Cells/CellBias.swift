import Recur

/// The biases a cell step adds, summed once per sequence (or per-step call) instead of loaded as
/// two rows per unit and step: gate k's b_ih + b_hh, G rows of H (`ForwardUnits.bias`). A GRU's n
/// gate keeps its two apart (r scales b_hn alone), so a GRU has 4 rows: b_ir + b_hr, b_iz + b_hz,
/// b_in, b_hn. Summing first rounds as the cells did: (x + h) + (b_ih + b_hh).
enum CellBias {
    /// Calls body with the summed rows (gate k's at `rows + k * hidden`), or nil when the layer has
    /// no biases (PyTorch's bias=False drops both). The rows live in a temporary allocation for the
    /// call: the per-step loop sums them at every step, so they take no pooled buffer.
    static func withRows<R>(
        mode: CellMode, hidden: Int, biasIH: Matrix?, biasHH: Matrix?,
        _ body: (UnsafeMutablePointer<Float>?) throws -> R
    ) rethrows -> R {
        guard let biasIH, let biasHH else { return try body(nil) }
        let summed = mode == .gru ? 2 : mode.gateCount
        return try withUnsafeTemporaryAllocation(of: Float.self, capacity: (mode == .gru ? 4 : summed) * hidden) { buffer in
            let rows = buffer.baseAddress!, ih = biasIH.base, hh = biasHH.base
            for i in 0..<summed * hidden { rows[i] = ih[i] + hh[i] }
            if mode == .gru {
                (rows + 2 * hidden).update(from: ih + 2 * hidden, count: hidden)
                (rows + 3 * hidden).update(from: hh + 2 * hidden, count: hidden)
            }
            return try body(rows)
        }
    }
}

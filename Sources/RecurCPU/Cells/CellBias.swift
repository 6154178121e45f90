import Recur

/// The biases a cell step adds, summed once per sequence (or per-step call) instead of loaded as
/// two rows per unit and step: gate k's b_ih + b_hh, G rows of H (`ForwardUnits.bias`). A GRU's n
/// gate keeps its two apart (r scales b_hn alone), so a GRU has 4 rows: b_ir + b_hr, b_iz + b_hz,
/// b_in, b_hn. Summing first rounds as the cells did: (x + h) + (b_ih + b_hh).
struct CellBias {
    /// Keeps `rows` alive.
    private let buffer: CPUBuffer
    /// Gate k's row at `rows + k * hidden`.
    let rows: UnsafeMutablePointer<Float>

    /// Nil when the layer has no biases (PyTorch's bias=False drops both).
    init?(mode: CellMode, hidden: Int, biasIH: Matrix?, biasHH: Matrix?, gauge: MemoryGauge) {
        guard let biasIH, let biasHH else { return nil }
        let gates = mode.gateCount, summed = mode == .gru ? 2 : gates
        buffer = CPUBuffer(count: (mode == .gru ? 4 : gates) * hidden, gauge: gauge, zeroed: false)
        rows = buffer.floats
        let ih = biasIH.base, hh = biasHH.base
        for i in 0..<summed * hidden { rows[i] = ih[i] + hh[i] }
        if mode == .gru {
            (rows + 2 * hidden).update(from: ih + 2 * hidden, count: hidden)
            (rows + 3 * hidden).update(from: hh + 2 * hidden, count: hidden)
        }
    }
}

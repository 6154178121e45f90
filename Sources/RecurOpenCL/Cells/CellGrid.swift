/// The NDRange of the per-step cell kernels (rnn_/lstm_/gru_forward and _backward): each
/// work-item takes `unitsPerWorkItem` consecutive hidden units of one batch row with float8 loads
/// and stores (RECUR_UNITS_PER_ITEM in common.cl; the last chunk of a row may be partial).
enum CellGrid {
    static let unitsPerWorkItem = 8

    /// (ceil(hidden / 8), batch).
    static func globalSize(hidden: Int32, batch: Int32) -> [Int] {
        [(Int(hidden) + unitsPerWorkItem - 1) / unitsPerWorkItem, Int(batch)]
    }
}

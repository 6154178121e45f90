/// The NDRange of the per-step Elman cell kernels (rnn_forward and rnn_backward): each work-item
/// takes `unitsPerWorkItem` consecutive hidden units of one batch row with float8 loads and stores
/// (`#define RECUR_UNIT_WIDTH 8` in those files; the last chunk of a row may be partial). The LSTM
/// and GRU kernels keep one unit a work-item: units.cl has the measurements behind the choice.
enum CellGrid {
    static let unitsPerWorkItem = 8

    /// (ceil(hidden / 8), batch).
    static func globalSize(hidden: Int32, batch: Int32) -> [Int] {
        [(Int(hidden) + unitsPerWorkItem - 1) / unitsPerWorkItem, Int(batch)]
    }
}

import Foundation
import Recur

/// cuDNN's cell clipping on the CPU (`Backend.clipCellState`, `clipCellStateBackward`), after the
/// fused LSTM step: only the units whose c left [-clip, clip] change.
extension CPUBackend {
    /// `Backend.clipCellState`.
    public func clipCellState(_ cNext: Matrix, hNext: Matrix, output: Matrix, saved: Matrix, clip: Float, time: Int,
                              lengths: (any DeviceBuffer)?) throws {
        profiled("clipCellState") {
            let mask = RowMask(lengthPointer(lengths), time: time), hidden = cNext.cols
            for b in 0..<cNext.rows where mask.isValid(b) {
                let c = cNext.row(b), h = hNext.row(b), out = output.row(b), s = saved.row(b)
                for j in 0..<hidden where abs(c[j]) > clip {
                    let clamped = c[j] > 0 ? clip : -clip
                    let tc = Foundation.tanh(clamped)
                    c[j] = clamped
                    s[4 * hidden + j] = tc
                    h[j] = s[3 * hidden + j] * tc
                    out[j] = h[j]
                }
            }
        }
    }

    /// `Backend.clipCellStateBackward`.
    public func clipCellStateBackward(_ saved: Matrix, dGates: Matrix, dcPrev: Matrix, clip: Float, time: Int,
                                      lengths: (any DeviceBuffer)?) throws {
        profiled("clipCellStateBackward") {
            let mask = RowMask(lengthPointer(lengths), time: time), hidden = dcPrev.cols
            // The value clipCellState wrote for a clamped unit, from the same function.
            let limit = Foundation.tanh(clip)
            for b in 0..<dcPrev.rows where mask.isValid(b) {
                let tc = saved.row(b) + 4 * hidden, g = dGates.row(b), dc = dcPrev.row(b)
                for j in 0..<hidden where abs(tc[j]) >= limit {
                    g[j] = 0; g[hidden + j] = 0; g[2 * hidden + j] = 0
                    dc[j] = 0
                }
            }
        }
    }
}

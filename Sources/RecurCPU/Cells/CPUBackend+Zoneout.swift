import Recur

/// Zoneout on the CPU (`Backend.zoneout`, `zoneoutBackward`): per running row, unit by unit, the
/// mask drawn from `ZoneoutMask` as every backend draws it.
extension CPUBackend {
    /// `Backend.zoneout`.
    public func zoneout(_ previous: Matrix, _ next: Matrix, output: Matrix?, probability: Float, seed: UInt32,
                        training: Bool, time: Int, lengths: (any DeviceBuffer)?) throws {
        precondition(previous.rows == next.rows && previous.cols == next.cols, "zoneout between views of different shapes")
        profiled("zoneout") {
            let mask = RowMask(lengthPointer(lengths), time: time), width = next.cols, batch = next.rows
            let threshold = DropoutMask.threshold(probability: probability)
            for b in 0..<batch where mask.isValid(b) {
                let prev = previous.row(b), new = next.row(b), out = output?.row(b)
                let base = (time * batch + b) * width
                for j in 0..<width {
                    let value: Float
                    if training {
                        let holds = ZoneoutMask.holds(seed: seed, index: UInt32(truncatingIfNeeded: base + j), threshold: threshold)
                        value = holds ? prev[j] : new[j]
                    } else {
                        value = probability * prev[j] + (1 - probability) * new[j]
                    }
                    new[j] = value
                    out?[j] = value
                }
            }
        }
    }

    /// `Backend.zoneoutBackward`.
    public func zoneoutBackward(_ gradient: Matrix, outputGradient: Matrix?, carry: Matrix, probability: Float, seed: UInt32,
                                time: Int, lengths: (any DeviceBuffer)?) throws {
        precondition(carry.rows == gradient.rows && carry.cols == gradient.cols, "zoneoutBackward between views of different shapes")
        profiled("zoneoutBackward") {
            let mask = RowMask(lengthPointer(lengths), time: time), width = gradient.cols, batch = gradient.rows
            let threshold = DropoutMask.threshold(probability: probability)
            for b in 0..<batch {
                let g = gradient.row(b), c = carry.row(b)
                guard mask.isValid(b) else {
                    c.update(repeating: 0, count: width)
                    continue
                }
                let out = outputGradient?.row(b)
                let base = (time * batch + b) * width
                for j in 0..<width {
                    let total = g[j] + (out?[j] ?? 0)
                    let holds = ZoneoutMask.holds(seed: seed, index: UInt32(truncatingIfNeeded: base + j), threshold: threshold)
                    g[j] = holds ? 0 : total
                    c[j] = holds ? total : 0
                }
            }
        }
    }
}

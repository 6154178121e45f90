import Foundation
import Recur

/// Losses fused with their gradients on the CPU.
extension CPUBackend {
    /// Softmax cross-entropy per row, max-subtracted; ignored rows (negative target) give 0.
    /// Rows in blocks shared by the pool, exp a vector at a time (`VectorMath.exp`), once per
    /// logit: the gradient is e / sum(e). The scalar form (two `expf` per logit, one thread) took
    /// 3% of a char-LM training step (RECUR_CPU_PROFILE: 1.3 ms for 3200 x 65).
    public func softmaxCrossEntropy(_ logits: Matrix, targets: any DeviceBuffer, losses: Matrix, gradient: Matrix, scale: Float) throws {
        profiled("softmaxCrossEntropy") {
            let target = unsafeDowncast(targets, to: CPUBuffer.self).ints
            let loss = losses.row(0)
            let rows = logits.rows, cols = logits.cols
            let blockRows = max(1, Self.lossBlockElements / max(cols, 1))
            let blocks = (rows + blockRows - 1) / blockRows
            func block(_ index: Int) {
                for r in index * blockRows..<min(rows, (index + 1) * blockRows) {
                    loss[r] = Self.softmaxCrossEntropyRow(
                        logits.row(r), target: Int(target[r]), gradient: gradient.row(r), cols: cols, scale: scale)
                }
            }
            if blocks > 1 {
                pool.parallelFor(blocks, block)
            } else if blocks == 1 {
                block(0)
            }
        }
    }

    /// Elements of a block of rows the loss passes hand to one thread.
    private static let lossBlockElements = 8192

    /// One row of `softmaxCrossEntropy`: writes the row's gradient, returns its loss.
    private static func softmaxCrossEntropyRow(
        _ x: UnsafeMutablePointer<Float>, target t: Int, gradient g: UnsafeMutablePointer<Float>, cols: Int, scale: Float
    ) -> Float {
        guard t >= 0 else {
            g.update(repeating: 0, count: cols)
            return 0
        }
        var maximum = -Float.infinity
        for c in 0..<cols { maximum = max(maximum, x[c]) }
        // Read before the gradient is written: it may be the logits' own row.
        let targetLogit = x[t]
        // e = exp(x - max) into the gradient's row, then its sum (over the stored values only).
        let shift = Vector(repeating: maximum)
        Lanes.forEach(cols) { j, n in
            Lanes.store(VectorMath.exp(Lanes.load(x + j, n) - shift), g + j, n)
        }
        var total: Float = 0
        for c in 0..<cols { total += g[c] }
        let factor = scale / total
        Lanes.forEach(cols) { j, n in
            Lanes.store(Lanes.load(g + j, n) * factor, g + j, n)
        }
        g[t] -= scale
        return Foundation.log(total) - (targetLogit - maximum)
    }

    /// Squared error per row and its gradient 2 (p - t) * scale.
    public func meanSquaredError(_ predictions: Matrix, targets: Matrix, losses: Matrix, gradient: Matrix, scale: Float) throws {
        profiled("meanSquaredError") {
            let loss = losses.row(0)
            for r in 0..<predictions.rows {
                let p = predictions.row(r), t = targets.row(r), g = gradient.row(r)
                var sum: Float = 0
                for c in 0..<predictions.cols {
                    let d = t[c].isNaN ? 0 : p[c] - t[c]   // a missing target adds nothing
                    sum += d * d
                    g[c] = 2 * d * scale
                }
                loss[r] = sum
            }
        }
    }

    /// Binary cross-entropy on the logits summed per row, and its gradient (sigmoid(x) - t) * scale; a NaN target adds
    /// nothing and gets a zero gradient.
    public func binaryCrossEntropyWithLogits(_ logits: Matrix, targets: Matrix, losses: Matrix, gradient: Matrix,
                                             scale: Float) throws {
        profiled("binaryCrossEntropyWithLogits") {
            let loss = losses.row(0)
            for r in 0..<logits.rows {
                let x = logits.row(r), t = targets.row(r), g = gradient.row(r)
                var sum: Float = 0
                for c in 0..<logits.cols {
                    let target = t[c]
                    guard !target.isNaN else { g[c] = 0; continue }
                    sum += BinaryCrossEntropy.loss(logit: x[c], target: target)
                    g[c] = (BinaryCrossEntropy.sigmoid(x[c]) - target) * scale
                }
                loss[r] = sum
            }
        }
    }
}

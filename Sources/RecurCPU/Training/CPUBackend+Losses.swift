import Foundation
import Recur

/// Losses fused with their gradients on the CPU.
extension CPUBackend {
    /// Softmax cross-entropy per row, max-subtracted; ignored rows (negative target) give 0.
    public func softmaxCrossEntropy(_ logits: Matrix, targets: any DeviceBuffer, losses: Matrix, gradient: Matrix, scale: Float) throws {
        profiled("softmaxCrossEntropy") {
            let target = unsafeDowncast(targets, to: CPUBuffer.self).ints
            let loss = losses.row(0)
            for r in 0..<logits.rows {
                let x = logits.row(r), g = gradient.row(r)
                let t = Int(target[r])
                guard t >= 0 else {
                    g.update(repeating: 0, count: logits.cols)
                    loss[r] = 0
                    continue
                }
                var maximum = -Float.infinity
                for c in 0..<logits.cols { maximum = max(maximum, x[c]) }
                var total: Double = 0
                for c in 0..<logits.cols { total += Double(Foundation.exp(x[c] - maximum)) }
                let logTotal = Float(Foundation.log(total))
                loss[r] = logTotal - (x[t] - maximum)
                for c in 0..<logits.cols {
                    g[c] = Foundation.exp(x[c] - maximum - logTotal) * scale
                }
                g[t] -= scale
            }
        }
    }

    /// Squared error per row and its gradient 2 (p - t) * scale.
    public func meanSquaredError(_ predictions: Matrix, targets: Matrix, losses: Matrix, gradient: Matrix, scale: Float) throws {
        profiled("meanSquaredError") {
            let loss = losses.row(0)
            for r in 0..<predictions.rows {
                let p = predictions.row(r), t = targets.row(r), g = gradient.row(r)
                var sum: Float = 0
                for c in 0..<predictions.cols {
                    let d = p[c] - t[c]
                    sum += d * d
                    g[c] = 2 * d * scale
                }
                loss[r] = sum
            }
        }
    }
}

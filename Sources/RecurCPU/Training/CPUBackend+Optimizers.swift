import Foundation
import Recur

/// Gradient norms, clipping and optimizer updates on the CPU (PyTorch's rules, see `OptimizerStep`).
extension CPUBackend {
    public func sumOfSquares(_ x: Matrix, into dst: Matrix, accumulate: Bool) throws {
        var sum: Double = 0
        for r in 0..<x.rows {
            let row = x.row(r)
            for c in 0..<x.cols { sum += Double(row[c]) * Double(row[c]) }
        }
        let out = dst.base
        out[0] = (accumulate ? out[0] : 0) + Float(sum)
    }

    public func scaleByClipFactor(_ x: Matrix, squaredNorm: Matrix, maxNorm: Float) throws {
        let factor = maxNorm / (squaredNorm.base[0].squareRoot() + 1e-6)
        guard factor < 1 else { return }
        for r in 0..<x.rows {
            let row = x.row(r)
            for c in 0..<x.cols { row[c] *= factor }
        }
    }

    public func optimizerStep(_ s: OptimizerStep) throws {
        let lr = s.learningRate, wd = s.weightDecay
        for r in 0..<s.parameters.rows {
            let p = s.parameters.row(r), g = s.gradients.row(r)
            let m = s.state1?.row(r), v = s.state2?.row(r)
            switch s.rule {
            case let .sgd(momentum, dampening, nesterov):
                for c in 0..<s.parameters.cols {
                    var d = g[c] + wd * p[c]
                    if let m, momentum != 0 {
                        m[c] = s.step == 1 ? d : momentum * m[c] + (1 - dampening) * d
                        d = nesterov ? d + momentum * m[c] : m[c]
                    }
                    p[c] -= lr * d
                }
            case let .adam(beta1, beta2, epsilon, decoupled):
                let t = Float(s.step)
                let stepSize = lr / (1 - Foundation.pow(beta1, t))
                let correction2 = (1 - Foundation.pow(beta2, t)).squareRoot()
                for c in 0..<s.parameters.cols {
                    var grad = g[c]
                    if decoupled { p[c] *= 1 - lr * wd } else { grad += wd * p[c] }
                    m![c] = beta1 * m![c] + (1 - beta1) * grad
                    v![c] = beta2 * v![c] + (1 - beta2) * grad * grad
                    p[c] -= stepSize * m![c] / (v![c].squareRoot() / correction2 + epsilon)
                }
            }
        }
    }
}

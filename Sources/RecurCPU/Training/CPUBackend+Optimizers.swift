import Foundation
import Recur

/// Gradient norms, clipping and optimizer updates on the CPU (PyTorch's rules, see `OptimizerStep`).
///
/// Each is a pass over every parameter, bound by memory: 8 lanes at a time, the rule's branches
/// outside the loops, and the rows cut into spans that the pool's threads share. The scalar loops
/// these replace (a branch per element, no vectors: the buffers may alias as far as the compiler
/// knows) took 8% of an lstm-b1 training step (perf), the SGD update of 0.4 M parameters.
extension CPUBackend {
    /// `Backend.sumOfSquares`: per-span sums in Double, added in span order, so the result does not depend on the threads.
    public func sumOfSquares(_ x: Matrix, into dst: Matrix, accumulate: Bool) throws {
        profiled("sumOfSquares") { sumSquares(x, into: dst, accumulate: accumulate) }
    }

    private func sumSquares(_ x: Matrix, into dst: Matrix, accumulate: Bool) {
        // Per span in Double (as before: the sum of a few million squares keeps its digits), then
        // the spans in order, so the result does not depend on which thread ran which span.
        let spans = UpdateSpans(x)
        let partial = UnsafeMutablePointer<Double>.allocate(capacity: spans.count)
        defer { partial.deallocate() }
        spans.run(on: pool) { index, r, columns in
            let row = x.row(r) + columns.lowerBound
            var lanes = SIMD8<Double>()
            // A partial vector's missing lanes load as zeros, which add nothing.
            Lanes.forEach(columns.count) { j, n in
                let v = SIMD8<Double>(Lanes.load(row + j, n))
                lanes = lanes.addingProduct(v, v)
            }
            partial[index] = lanes.sum()
        }
        var sum: Double = 0
        for index in 0..<spans.count { sum += partial[index] }
        let out = dst.base
        out[0] = (accumulate ? out[0] : 0) + Float(sum)
    }

    /// `Backend.scaleByClipFactor`: the factor computed once from the norm in host memory; no pass when it is at least 1.
    public func scaleByClipFactor(_ x: Matrix, squaredNorm: Matrix, maxNorm: Float) throws {
        profiled("scaleByClipFactor") {
            let factor = maxNorm / (squaredNorm.base[0].squareRoot() + 1e-6)
            guard factor < 1 else { return }
            UpdateSpans(x).run(on: pool) { _, r, columns in
                let row = x.row(r) + columns.lowerBound
                Lanes.forEach(columns.count) { j, n in Lanes.store(Lanes.load(row + j, n) * factor, row + j, n) }
            }
        }
    }

    /// `Backend.clampElements`: 8 lanes at a time over the pool's spans.
    public func clampElements(_ x: Matrix, limit: Float) throws {
        profiled("clampElements") {
            UpdateSpans(x).run(on: pool) { _, r, columns in
                let row = x.row(r) + columns.lowerBound
                Lanes.forEach(columns.count) { j, n in
                    // Selects on comparisons, which are false for NaN: a NaN stays NaN, as in torch.clamp_.
                    let v = Lanes.load(row + j, n)
                    Lanes.store(v.replacing(with: -limit, where: v .< -limit).replacing(with: limit, where: v .> limit), row + j, n)
                }
            }
        }
    }

    /// `Backend.optimizerStep`: the rule's vector loop over the pool's spans (PyTorch's rules, see `OptimizerStep`).
    public func optimizerStep(_ s: OptimizerStep) throws {
        profiled("optimizerStep") { update(s) }
    }

    private func update(_ s: OptimizerStep) {
        let lr = s.learningRate, wd = s.weightDecay
        switch s.rule {
        case let .sgd(momentum, dampening, nesterov):
            guard momentum != 0, let state = s.state1 else {
                // p -= lr * (g + wd * p)
                UpdateSpans(s.parameters).run(on: pool) { _, r, columns in
                    let p = s.parameters.row(r) + columns.lowerBound, g = s.gradients.row(r) + columns.lowerBound
                    Lanes.forEach(columns.count) { j, n in
                        let pv = Lanes.load(p + j, n)
                        Lanes.store(pv - lr * (Lanes.load(g + j, n) + wd * pv), p + j, n)
                    }
                }
                return
            }
            // d = g + wd * p; m = d on the first step, else momentum * m + (1 - dampening) * d;
            // p -= lr * (nesterov ? d + momentum * m : m)
            let first = s.step == 1
            UpdateSpans(s.parameters).run(on: pool) { _, r, columns in
                let c0 = columns.lowerBound
                let p = s.parameters.row(r) + c0, g = s.gradients.row(r) + c0, m = state.row(r) + c0
                Lanes.forEach(columns.count) { j, n in
                    let pv = Lanes.load(p + j, n), d = Lanes.load(g + j, n) + wd * pv
                    let mv = first ? d : momentum * Lanes.load(m + j, n) + (1 - dampening) * d
                    Lanes.store(mv, m + j, n)
                    Lanes.store(pv - lr * (nesterov ? d + momentum * mv : mv), p + j, n)
                }
            }
        case let .adam(beta1, beta2, epsilon, decoupled):
            guard let first = s.state1, let second = s.state2 else {
                preconditionFailure("Adam's update needs both moments")
            }
            let t = Float(s.step)
            let stepSize = lr / (1 - Foundation.pow(beta1, t))
            let correction2 = (1 - Foundation.pow(beta2, t)).squareRoot()
            UpdateSpans(s.parameters).run(on: pool) { _, r, columns in
                let c0 = columns.lowerBound
                let p = s.parameters.row(r) + c0, g = s.gradients.row(r) + c0
                let m = first.row(r) + c0, v = second.row(r) + c0
                // Decoupled (AdamW): p *= 1 - lr * wd, grad = g; else grad = g + wd * p. Then
                // m = b1 m + (1 - b1) grad, v = b2 v + (1 - b2) grad^2,
                // p -= stepSize * m / (sqrt(v) / correction2 + eps).
                Lanes.forEach(columns.count) { j, n in
                    let pv = Lanes.load(p + j, n), gv = Lanes.load(g + j, n)
                    let decayed = decoupled ? pv * (1 - lr * wd) : pv
                    let grad = decoupled ? gv : gv + wd * pv
                    let mv = beta1 * Lanes.load(m + j, n) + (1 - beta1) * grad
                    let vv = beta2 * Lanes.load(v + j, n) + (1 - beta2) * grad * grad
                    Lanes.store(mv, m + j, n)
                    Lanes.store(vv, v + j, n)
                    Lanes.store(decayed - stepSize * mv / (vv.squareRoot() / correction2 + epsilon), p + j, n)
                }
            }
        case let .rmsprop(alpha, epsilon, momentum, centered):
            guard let square = s.state1 else { preconditionFailure("RMSprop's update needs its average of squares") }
            let buffer = momentum > 0 ? s.state2 : nil, average = centered ? s.state3 : nil
            precondition((momentum > 0) == (buffer != nil) && centered == (average != nil), "RMSprop's state")
            UpdateSpans(s.parameters).run(on: pool) { _, r, columns in
                let c0 = columns.lowerBound
                let p = s.parameters.row(r) + c0, g = s.gradients.row(r) + c0, v = square.row(r) + c0
                // g' = g + wd p; v = alpha v + (1 - alpha) g'^2; centered: a = alpha a + (1 - alpha) g',
                // den = sqrt(v - a^2) + eps, else sqrt(v) + eps; momentum: buf = momentum buf + g'/den,
                // p -= lr buf; else p -= lr g'/den.
                Lanes.forEach(columns.count) { j, n in
                    let pv = Lanes.load(p + j, n), grad = Lanes.load(g + j, n) + wd * pv
                    let vv = alpha * Lanes.load(v + j, n) + (1 - alpha) * grad * grad
                    Lanes.store(vv, v + j, n)
                    var variance = vv
                    if let average {
                        let a = average.row(r) + c0
                        let av = alpha * Lanes.load(a + j, n) + (1 - alpha) * grad
                        Lanes.store(av, a + j, n)
                        variance = vv - av * av
                    }
                    let step = grad / (variance.squareRoot() + epsilon)
                    if let buffer {
                        let b = buffer.row(r) + c0
                        let bv = momentum * Lanes.load(b + j, n) + step
                        Lanes.store(bv, b + j, n)
                        Lanes.store(pv - lr * bv, p + j, n)
                    } else {
                        Lanes.store(pv - lr * step, p + j, n)
                    }
                }
            }
        case let .adagrad(_, epsilon):
            guard let sum = s.state1 else { preconditionFailure("Adagrad's update needs its sum of squares") }
            let rate = s.adagradLearningRate
            UpdateSpans(s.parameters).run(on: pool) { _, r, columns in
                let c0 = columns.lowerBound
                let p = s.parameters.row(r) + c0, g = s.gradients.row(r) + c0, q = sum.row(r) + c0
                // g' = g + wd p; sum += g'^2; p -= rate g' / (sqrt(sum) + eps).
                Lanes.forEach(columns.count) { j, n in
                    let pv = Lanes.load(p + j, n), grad = Lanes.load(g + j, n) + wd * pv
                    let qv = Lanes.load(q + j, n) + grad * grad
                    Lanes.store(qv, q + j, n)
                    Lanes.store(pv - rate * grad / (qv.squareRoot() + epsilon), p + j, n)
                }
            }
        }
    }
}

/// A matrix's elements cut into spans of at most `length` columns of one row, for the pool: the
/// update passes run each span on one thread. Small matrices are one span per row, on the caller.
struct UpdateSpans {
    let rows: Int, cols: Int, perRow: Int
    /// 32 KiB of floats: large enough that a span's cost dwarfs handing it out.
    static let length = 8192

    init(_ m: Matrix) {
        rows = m.rows
        cols = m.cols
        perRow = max(1, (m.cols + Self.length - 1) / Self.length)
    }

    var count: Int { rows * perRow }

    /// body(span index, row, columns) for every span; on the pool when there are several spans.
    func run(on pool: ThreadPool, _ body: (Int, Int, Range<Int>) -> Void) {
        let cols = cols, perRow = perRow
        func span(_ index: Int) {
            let r = index / perRow, piece = index % perRow
            body(index, r, piece * Self.length..<min(cols, (piece + 1) * Self.length))
        }
        if count * min(cols, Self.length) < 2 * Self.length {
            for index in 0..<count { span(index) }
        } else {
            pool.parallelFor(count) { span($0) }
        }
    }
}

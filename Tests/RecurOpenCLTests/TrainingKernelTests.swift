import Recur
import RecurCPU
@testable import RecurOpenCL
import Testing

/// The same buffer on the CPU backend (the reference) and on the OpenCL backend.
struct TwinBuffer {
    let cpu: any DeviceBuffer
    let cl: any DeviceBuffer
    let count: Int

    /// The same view of both buffers.
    func view(offset: Int = 0, rows: Int, cols: Int, ld: Int? = nil) -> (cpu: Matrix, cl: Matrix) {
        (Matrix(cpu, offset: offset, rows: rows, cols: cols, ld: ld), Matrix(cl, offset: offset, rows: rows, cols: cols, ld: ld))
    }
}

/// Runs each training operation on both backends over identical inputs and compares the whole
/// buffers afterwards (elements outside the views must not change on either).
final class TwinBackends {
    let cpu = CPUBackend(threads: 1)
    let cl: OpenCLBackend

    init() throws { cl = try TestDevice.backend() }

    func floats(_ values: [Float]) throws -> TwinBuffer {
        let a = try cpu.makeBuffer(count: values.count), b = try cl.makeBuffer(count: values.count)
        try cpu.upload(values, to: a, offset: 0)
        try cl.upload(values, to: b, offset: 0)
        return TwinBuffer(cpu: a, cl: b, count: values.count)
    }

    func ints(_ values: [Int32]) throws -> TwinBuffer {
        let a = try cpu.makeBuffer(count: values.count), b = try cl.makeBuffer(count: values.count)
        try cpu.upload(values, to: a, offset: 0)
        try cl.upload(values, to: b, offset: 0)
        return TwinBuffer(cpu: a, cl: b, count: values.count)
    }

    /// Every element agrees within |a - b| <= 1e-5 + 1e-4 |b| (b the CPU's), or exactly when `exact`.
    func expectAgree(_ buffer: TwinBuffer, _ label: String, exact: Bool = false,
                     sourceLocation: SourceLocation = #_sourceLocation) throws {
        let expected = try cpu.download(buffer.cpu, offset: 0, count: buffer.count)
        let actual = try cl.download(buffer.cl, offset: 0, count: buffer.count)
        var failures = 0
        for i in expected.indices {
            let a = actual[i], b = expected[i]
            let ok = exact ? a.bitPattern == b.bitPattern || a == b : (a.isFinite && abs(a - b) <= 1e-5 + 1e-4 * abs(b))
            if !ok {
                failures += 1
                if failures <= 5 {
                    Issue.record("\(label)[\(i)]: OpenCL \(a), CPU \(b)", sourceLocation: sourceLocation)
                }
            }
        }
        if failures > 5 { Issue.record("\(label): \(failures) elements disagree in all", sourceLocation: sourceLocation) }
    }

    func values(_ buffer: TwinBuffer) throws -> (cpu: [Float], cl: [Float]) {
        (try cpu.download(buffer.cpu, offset: 0, count: buffer.count), try cl.download(buffer.cl, offset: 0, count: buffer.count))
    }
}

/// Repeatable indices in 0..<bound.
func testIndices(_ count: Int, below bound: Int, seed: UInt64) -> [Int32] {
    testValues(count, seed: seed).map { Int32(min(bound - 1, Int(($0 + 1) / 2 * Float(bound)))) }
}

/// The training kernels (embedding, bias, dropout, losses, norms, clipping, optimizers) through
/// `OpenCLBackend` against `CPUBackend`, on odd sizes (N = 37, V = 65, E = 13) and strided views.
@Suite(.enabled(if: TestDevice.shouldRun, TestDevice.skipReason))
struct TrainingKernels {
    static let n = 37, v = 65, e = 13

    // MARK: Layers

    @Test func gatherRowsWithRepeatedIndicesAndStridedViews() throws {
        let t = try TwinBackends()
        var indices = testIndices(Self.n, below: Self.v, seed: 11)
        indices[5] = indices[1]; indices[20] = indices[1]; indices[36] = 0; indices[0] = Int32(Self.v - 1)
        let idx = try t.ints(indices)
        let table = try t.floats(testValues(3 + Self.v * 17, seed: 12))
        let out = try t.floats(testValues(2 + Self.n * 15 + 4, seed: 13))
        let tv = table.view(offset: 3, rows: Self.v, cols: Self.e, ld: 17)
        let ov = out.view(offset: 2, rows: Self.n, cols: Self.e, ld: 15)
        try t.cpu.gatherRows(tv.cpu, indices: idx.cpu, into: ov.cpu)
        try t.cl.gatherRows(tv.cl, indices: idx.cl, into: ov.cl)
        try t.expectAgree(out, "gathered rows", exact: true)
        try t.expectAgree(table, "table (unchanged)", exact: true)
    }

    @Test(arguments: [(37, 65), (37, 4), (5, 65), (200, 3)])
    func scatterAddRowsAddsRepeatsInRowOrder(_ rows: Int, _ vocab: Int) throws {
        let t = try TwinBackends()
        var indices = testIndices(rows, below: vocab, seed: UInt64(rows * 100 + vocab))
        if rows > 4 { indices[rows - 1] = indices[0]; indices[rows / 2] = indices[0] }
        let idx = try t.ints(indices)
        // Large and small magnitudes, so that the order of the additions shows in the rounding.
        let src = try t.floats(testValues(1 + rows * 16, seed: 21).enumerated().map { $0.element * ($0.offset % 3 == 0 ? 1000 : 0.001) })
        let table = try t.floats(testValues(4 + vocab * 19, seed: 22))
        let sv = src.view(offset: 1, rows: rows, cols: Self.e, ld: 16)
        let tv = table.view(offset: 4, rows: vocab, cols: Self.e, ld: 19)
        try t.cpu.scatterAddRows(sv.cpu, indices: idx.cpu, into: tv.cpu)
        try t.cl.scatterAddRows(sv.cl, indices: idx.cl, into: tv.cl)
        try t.expectAgree(table, "table after scatter-add", exact: true)
        try t.expectAgree(src, "src (unchanged)", exact: true)
    }

    @Test func scatterAddRowsReusesItsScratchAcrossCallsOfEverySize() throws {
        let t = try TwinBackends()
        let table = try t.floats(testValues(Self.v * Self.e, seed: 31))
        let tv = table.view(rows: Self.v, cols: Self.e)
        for (call, rows) in [37, 5, 90, 1, 37].enumerated() {
            let idx = try t.ints(testIndices(rows, below: 9, seed: UInt64(40 + call)))
            let src = try t.floats(testValues(rows * Self.e, seed: UInt64(50 + call)))
            let sv = src.view(rows: rows, cols: Self.e)
            try t.cpu.scatterAddRows(sv.cpu, indices: idx.cpu, into: tv.cpu)
            try t.cl.scatterAddRows(sv.cl, indices: idx.cl, into: tv.cl)
        }
        try t.expectAgree(table, "table after five scatter-adds", exact: true)
    }

    /// Column sums (bias gradients) against a double-precision sum on the host: short matrices
    /// take one pass, tall ones two (chunks of rows, then their partial sums), with a last chunk
    /// that is partial, columns that are not a multiple of 16, strided views, and accumulation into
    /// a row of a larger buffer (whose other elements must not change). The tolerance is a few
    /// float roundings of the sum of magnitudes: the order of the additions differs from the CPU
    /// backend's running sum (over 3200 rows the two disagree by up to 1e-4 relative, the chunked
    /// sums being the closer to the exact ones), and a lost or repeated element is far above it.
    @Test(arguments: [(3, 16), (64, 37), (65, 37), (2049, 53), (3200, 512)], [false, true])
    func sumRowsOfShortAndTallViews(_ shape: (rows: Int, cols: Int), accumulate: Bool) throws {
        let cl = try TestDevice.backend()
        let ld = shape.cols + 3, dstOffset = shape.cols + 2
        let source = testValues(7 + shape.rows * ld, seed: 71), old = testValues(2 * shape.cols + 5, seed: 72)
        let src = try cl.makeBuffer(count: source.count), dst = try cl.makeBuffer(count: old.count)
        try cl.upload(source, to: src, offset: 0)
        try cl.upload(old, to: dst, offset: 0)
        try cl.sumRows(Matrix(src, offset: 7, rows: shape.rows, cols: shape.cols, ld: ld),
                       into: Matrix(dst, offset: dstOffset, rows: 1, cols: shape.cols), accumulate: accumulate)
        let result = try cl.download(dst, offset: 0, count: old.count)
        for i in old.indices where !(dstOffset..<(dstOffset + shape.cols)).contains(i) {
            #expect(result[i] == old[i], "element \(i) is outside the view")
        }
        for c in 0..<shape.cols {
            var exact = accumulate ? Double(old[dstOffset + c]) : 0, magnitude = abs(exact)
            for r in 0..<shape.rows {
                let x = Double(source[7 + r * ld + c])
                exact += x
                magnitude += abs(x)
            }
            let error = abs(Double(result[dstOffset + c]) - exact)
            #expect(error <= 4 * Double(Float.ulpOfOne) * magnitude, "column \(c): \(result[dstOffset + c]), exactly \(exact)")
        }
    }

    @Test func addRowVectorOnStridedViews() throws {
        let t = try TwinBackends()
        let vector = try t.floats(testValues(3 * 20, seed: 61))
        let m = try t.floats(testValues(5 + Self.n * 17, seed: 62))
        let vv = vector.view(offset: 20 + 3, rows: 1, cols: Self.e)   // a row of a larger matrix
        let mv = m.view(offset: 5, rows: Self.n, cols: Self.e, ld: 17)
        try t.cpu.addRowVector(vv.cpu, to: mv.cpu)
        try t.cl.addRowVector(vv.cl, to: mv.cl)
        try t.expectAgree(m, "m + bias")
    }

    @Test(arguments: [Float(0.1), 0.5], [UInt32(0), 0xDEAD_BEEF])
    func dropoutMaskIsTheCPUsBitForBit(_ p: Float, _ seed: UInt32) throws {
        let t = try TwinBackends()
        let src = try t.floats(testValues(2 + Self.n * 70, seed: 71))
        let dst = try t.floats(testValues(1 + Self.n * 66, seed: 72))
        let sv = src.view(offset: 2, rows: Self.n, cols: Self.v, ld: 70)
        let dv = dst.view(offset: 1, rows: Self.n, cols: Self.v, ld: 66)
        try t.cpu.dropout(sv.cpu, into: dv.cpu, probability: p, seed: seed)
        try t.cl.dropout(sv.cl, into: dv.cl, probability: p, seed: seed)
        try t.expectAgree(dst, "dropout output", exact: true)

        // The mask is DropoutMask's, indexed r * cols + c over the view; about p of it is dropped.
        let (_, out) = try t.values(dst)
        let input = try t.values(src).cl
        var dropped = 0
        for r in 0..<Self.n {
            for c in 0..<Self.v {
                let keep = DropoutMask.hash(seed: seed, index: UInt32(r * Self.v + c)) >= DropoutMask.threshold(probability: p)
                let value = out[1 + r * 66 + c]
                #expect(value == (keep ? input[2 + r * 70 + c] * (1 / (1 - p)) : 0))
                if !keep { dropped += 1 }
            }
        }
        let fraction = Float(dropped) / Float(Self.n * Self.v)
        #expect(abs(fraction - p) < 0.05, "dropped \(fraction), p = \(p)")

        // The backward is the same call on the gradients, in place here.
        let grad = try t.floats(testValues(Self.n * Self.v, seed: 73))
        let gv = grad.view(rows: Self.n, cols: Self.v)
        try t.cpu.dropout(gv.cpu, into: gv.cpu, probability: p, seed: seed)
        try t.cl.dropout(gv.cl, into: gv.cl, probability: p, seed: seed)
        try t.expectAgree(grad, "dropout backward in place", exact: true)
    }

    // MARK: Losses

    /// Logits in [-3, 3), a few rows of very large ones (+-80), and ignored targets.
    static func crossEntropyInputs(rows: Int, cols: Int, ld: Int) -> (logits: [Float], targets: [Int32]) {
        var logits = testValues(3 + rows * ld, seed: 81).map { $0 * 3 }
        for r in [0, 7, rows - 1] where r < rows {
            for c in 0..<cols { logits[3 + r * ld + c] = c % 2 == 0 ? 80 : -80 }
        }
        if rows > 12 {
            for c in 0..<cols { logits[3 + 12 * ld + c] = -80 + Float(c % 5) }   // all very negative
        }
        var targets = testIndices(rows, below: cols, seed: 82)
        for r in stride(from: 3, to: rows, by: 5) { targets[r] = -1 }
        if rows > 7 { targets[7] = 1 }   // a large row whose target holds -80: a loss of about 160
        return (logits, targets)
    }

    /// The loss kernels' row widths: one work-item a row (CPU devices) and a work-group's
    /// reduction (GPUs), both run on whatever device runs the tests.
    static let rowWidths = [1, Reduction.width]

    @Test(arguments: [(37, 65), (37, 3), (4, 300), (1, 1)], rowWidths)
    func softmaxCrossEntropyAgreesAndIgnoresPadding(_ shape: (Int, Int), _ width: Int) throws {
        let (rows, cols) = shape
        let t = try TwinBackends()
        t.cl.lossRowWidth = width
        let ld = cols + 4
        let (values, targets) = Self.crossEntropyInputs(rows: rows, cols: cols, ld: ld)
        let logits = try t.floats(values)
        let target = try t.ints(targets)
        let losses = try t.floats(testValues(2 * rows + 6, seed: 83))
        let gradient = try t.floats(testValues(5 + rows * (cols + 2), seed: 84))
        let lv = logits.view(offset: 3, rows: rows, cols: cols, ld: ld)
        let sv = losses.view(offset: 6, rows: 1, cols: rows)
        let gv = gradient.view(offset: 5, rows: rows, cols: cols, ld: cols + 2)
        let valid = targets.filter { $0 >= 0 }.count
        let scale = 1 / Float(max(valid, 1))
        try t.cpu.softmaxCrossEntropy(lv.cpu, targets: target.cpu, losses: sv.cpu, gradient: gv.cpu, scale: scale)
        try t.cl.softmaxCrossEntropy(lv.cl, targets: target.cl, losses: sv.cl, gradient: gv.cl, scale: scale)
        try t.expectAgree(losses, "losses")
        try t.expectAgree(gradient, "gradient")
        try t.expectAgree(logits, "logits (unchanged)", exact: true)

        let (_, loss) = try t.values(losses)
        let (_, grad) = try t.values(gradient)
        for r in 0..<rows where targets[r] < 0 {
            #expect(loss[6 + r] == 0)
            for c in 0..<cols { #expect(grad[5 + r * (cols + 2) + c] == 0) }
        }
        #expect(loss.allSatisfy(\.isFinite) && grad.allSatisfy(\.isFinite))
    }

    @Test(arguments: rowWidths)
    func softmaxCrossEntropyInPlaceOnTheLogits(_ width: Int) throws {
        let t = try TwinBackends()
        t.cl.lossRowWidth = width
        let (rows, cols) = (Self.n, Self.v)
        let (values, targets) = Self.crossEntropyInputs(rows: rows, cols: cols, ld: cols)
        let logits = try t.floats(values)
        let target = try t.ints(targets)
        let losses = try t.floats([Float](repeating: 0, count: rows))
        let lv = logits.view(offset: 3, rows: rows, cols: cols)
        let sv = losses.view(rows: 1, cols: rows)
        try t.cpu.softmaxCrossEntropy(lv.cpu, targets: target.cpu, losses: sv.cpu, gradient: lv.cpu, scale: 0.25)
        try t.cl.softmaxCrossEntropy(lv.cl, targets: target.cl, losses: sv.cl, gradient: lv.cl, scale: 0.25)
        try t.expectAgree(losses, "losses")
        try t.expectAgree(logits, "gradient over the logits")
    }

    @Test(arguments: [(37, 13), (3, 130), (1, 1)], rowWidths)
    func meanSquaredErrorAgrees(_ shape: (Int, Int), _ width: Int) throws {
        let (rows, cols) = shape
        let t = try TwinBackends()
        t.cl.lossRowWidth = width
        let predictions = try t.floats(testValues(2 + rows * (cols + 3), seed: 91).map { $0 * 4 })
        let targets = try t.floats(testValues(rows * (cols + 1), seed: 92))
        let losses = try t.floats(testValues(rows + 1, seed: 93))
        let gradient = try t.floats(testValues(1 + rows * (cols + 5), seed: 94))
        let pv = predictions.view(offset: 2, rows: rows, cols: cols, ld: cols + 3)
        let tv = targets.view(rows: rows, cols: cols, ld: cols + 1)
        let sv = losses.view(offset: 1, rows: 1, cols: rows)
        let gv = gradient.view(offset: 1, rows: rows, cols: cols, ld: cols + 5)
        try t.cpu.meanSquaredError(pv.cpu, targets: tv.cpu, losses: sv.cpu, gradient: gv.cpu, scale: 1 / Float(rows * cols))
        try t.cl.meanSquaredError(pv.cl, targets: tv.cl, losses: sv.cl, gradient: gv.cl, scale: 1 / Float(rows * cols))
        try t.expectAgree(losses, "losses")
        try t.expectAgree(gradient, "gradient")
    }

    // MARK: Norms and clipping

    @Test(arguments: [(37, 13, 17), (1, 1, 1), (300, 257, 260), (2, 40000, 40003)])
    func sumOfSquaresAgreesAndAccumulates(_ rows: Int, _ cols: Int, _ ld: Int) throws {
        let t = try TwinBackends()
        let x = try t.floats(testValues(3 + rows * ld, seed: 101))
        let y = try t.floats(testValues(37 * 13, seed: 102))
        let dst = try t.floats([5, 7, 11])
        let xv = x.view(offset: 3, rows: rows, cols: cols, ld: ld)
        let yv = y.view(rows: 37, cols: 13)
        let dv = dst.view(offset: 1, rows: 1, cols: 1)
        for backend in [t.cpu as any Backend, t.cl as any Backend] {
            let (x, y, d) = backend === t.cpu ? (xv.cpu, yv.cpu, dv.cpu) : (xv.cl, yv.cl, dv.cl)
            try backend.sumOfSquares(x, into: d, accumulate: false)
            try backend.sumOfSquares(y, into: d, accumulate: true)
        }
        try t.expectAgree(dst, "sum of squares")
        // Accumulating onto the old value: the first call overwrote 7.
        let (reference, _) = try t.values(dst)
        #expect(reference[0] == 5 && reference[2] == 11 && reference[1] != 7)
    }

    @Test(arguments: [Float(0.5), 1e6])
    func scaleByClipFactorClipsOnlyAboveTheNorm(_ maxNorm: Float) throws {
        let t = try TwinBackends()
        let grad1 = try t.floats(testValues(2 + Self.n * 15, seed: 111))
        let grad2 = try t.floats(testValues(Self.e, seed: 112))
        let norm = try t.floats([0, 0])
        let g1 = grad1.view(offset: 2, rows: Self.n, cols: Self.e, ld: 15)
        let g2 = grad2.view(rows: 1, cols: Self.e)
        let nv = norm.view(offset: 1, rows: 1, cols: 1)
        let before = try t.values(grad1).cpu
        for backend in [t.cpu as any Backend, t.cl as any Backend] {
            let isCPU = backend === t.cpu
            let (a, b, sq) = isCPU ? (g1.cpu, g2.cpu, nv.cpu) : (g1.cl, g2.cl, nv.cl)
            try backend.sumOfSquares(a, into: sq, accumulate: false)
            try backend.sumOfSquares(b, into: sq, accumulate: true)
            try backend.scaleByClipFactor(a, squaredNorm: sq, maxNorm: maxNorm)
            try backend.scaleByClipFactor(b, squaredNorm: sq, maxNorm: maxNorm)
        }
        try t.expectAgree(norm, "squared norm")
        try t.expectAgree(grad1, "clipped block 1")
        try t.expectAgree(grad2, "clipped block 2")
        let after = try t.values(grad1).cl
        if maxNorm >= 1e6 {
            #expect(after == before, "a factor of at least 1 leaves the gradients alone")
        } else {
            #expect(after != before)
            // The clipped norm is maxNorm.
            let squared = try t.values(norm).cl[1]
            #expect(squared > maxNorm * maxNorm)
        }
    }

    // MARK: Optimizers

    static let rules: [(String, OptimizerStep.Rule, Float)] = [
        ("sgd", .sgd(momentum: 0, dampening: 0, nesterov: false), 0),
        ("sgd+wd", .sgd(momentum: 0, dampening: 0, nesterov: false), 0.01),
        ("momentum", .sgd(momentum: 0.9, dampening: 0.1, nesterov: false), 0.01),
        ("nesterov", .sgd(momentum: 0.9, dampening: 0, nesterov: true), 0.001),
        ("adam", .adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8, decoupledWeightDecay: false), 0.01),
        ("adamw", .adam(beta1: 0.8, beta2: 0.99, epsilon: 1e-6, decoupledWeightDecay: true), 0.1),
        ("rmsprop", .rmsprop(alpha: 0.99, epsilon: 1e-8, momentum: 0, centered: false), 0),
        ("rmsprop+momentum+centered+wd", .rmsprop(alpha: 0.9, epsilon: 1e-6, momentum: 0.8, centered: true), 0.01),
        ("rmsprop+centered", .rmsprop(alpha: 0.95, epsilon: 1e-8, momentum: 0, centered: true), 0),
        ("adagrad", .adagrad(learningRateDecay: 0, epsilon: 1e-10), 0),
        ("adagrad+decay+wd", .adagrad(learningRateDecay: 0.3, epsilon: 1e-10), 0.01),
    ]

    @Test(arguments: rules.indices)
    func optimizerStepAgreesOverThreeSteps(_ index: Int) throws {
        let (name, rule, weightDecay) = Self.rules[index]
        let t = try TwinBackends()
        let (rows, cols) = (Self.n, Self.e)
        let params = try t.floats(testValues(1 + rows * 16, seed: 121))
        let grads = try t.floats(testValues(rows * 14, seed: 122))
        let state1 = try t.floats([Float](repeating: 0, count: 2 + rows * 15))
        let state2 = try t.floats([Float](repeating: 0, count: rows * cols))
        let pv = params.view(offset: 1, rows: rows, cols: cols, ld: 16)
        let gv = grads.view(rows: rows, cols: cols, ld: 14)
        let mv = state1.view(offset: 2, rows: rows, cols: cols, ld: 15)
        let vv = state2.view(rows: rows, cols: cols)
        let state3 = try t.floats([Float](repeating: 0, count: 3 + rows * 17))
        let av = state3.view(offset: 3, rows: rows, cols: cols, ld: 17)
        let usesState1: Bool, usesState2: Bool, usesState3: Bool
        switch rule {
        case let .sgd(momentum, _, _): (usesState1, usesState2, usesState3) = (momentum != 0, false, false)
        case .adam: (usesState1, usesState2, usesState3) = (true, true, false)
        case let .rmsprop(_, _, momentum, centered): (usesState1, usesState2, usesState3) = (true, momentum > 0, centered)
        case .adagrad: (usesState1, usesState2, usesState3) = (true, false, false)
        }
        for step in 1...3 {
            // New gradients each step, the same on both backends.
            let g = testValues(rows * 14, seed: UInt64(130 + step))
            try t.cpu.upload(g, to: grads.cpu, offset: 0)
            try t.cl.upload(g, to: grads.cl, offset: 0)
            for backend in [t.cpu as any Backend, t.cl as any Backend] {
                let isCPU = backend === t.cpu
                try backend.optimizerStep(OptimizerStep(
                    rule: rule, parameters: isCPU ? pv.cpu : pv.cl, gradients: isCPU ? gv.cpu : gv.cl,
                    state1: usesState1 ? (isCPU ? mv.cpu : mv.cl) : nil,
                    state2: usesState2 ? (isCPU ? vv.cpu : vv.cl) : nil,
                    state3: usesState3 ? (isCPU ? av.cpu : av.cl) : nil,
                    learningRate: 0.05, weightDecay: weightDecay, step: step))
            }
            try t.expectAgree(params, "\(name) parameters after step \(step)")
            try t.expectAgree(state1, "\(name) state1 after step \(step)")
            try t.expectAgree(state2, "\(name) state2 after step \(step)")
            try t.expectAgree(state3, "\(name) state3 after step \(step)")
        }
        for (state, used) in [(state1, usesState1), (state2, usesState2), (state3, usesState3)] {
            let (_, values) = try t.values(state)
            #expect(values.contains { $0 != 0 } == used, "\(name): a state buffer is carried only when the rule uses it")
        }
    }

    @Test func clampElementsClipsEachValueAndKeepsNaN() throws {
        let t = try TwinBackends()
        var values = testValues(4 + Self.n * 19, seed: 141).map { $0 * 3 }
        values[4 + 2 * 19 + 1] = .nan
        values[4 + 5 * 19 + 2] = .infinity
        values[4 + 6 * 19 + 3] = -.infinity
        let x = try t.floats(values)
        let xv = x.view(offset: 4, rows: Self.n, cols: Self.e, ld: 19)
        try t.cpu.clampElements(xv.cpu, limit: 0.75)
        try t.cl.clampElements(xv.cl, limit: 0.75)
        let (cpu, cl) = try t.values(x)
        for i in values.indices {
            let inView = i >= 4 && (i - 4) % 19 < Self.e && (i - 4) / 19 < Self.n
            let expected = !inView || values[i].isNaN ? values[i] : min(max(values[i], -0.75), 0.75)
            for (name, got) in [("cpu", cpu[i]), ("opencl", cl[i])] {
                #expect(got == expected || (got.isNaN && expected.isNaN), "\(name) [\(i)]: \(got), expected \(expected)")
            }
        }
    }
}

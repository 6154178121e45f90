import ArgumentParser
import Recur
import RecurCPU
import RecurOpenCL

/// A GEMM shape `rnn-bench tune` times: C (m x n) = op(A) (m x k) op(B) (k x n).
struct TuneShape: ExpressibleByArgument {
    let label: String
    let m: Int, n: Int, k: Int
    let transA: Bool, transB: Bool

    /// The GEMMs of BPTT at lstm-medium's sizes (batch 64, 512 -> 4 x 512 gates, 50 steps) and two
    /// small batches: the recurrent step (h W_hh^T), the input projection of the whole sequence
    /// (X W_ih^T), the weight gradient (dGates^T X), a batch of 32 and a batch of one (sampling).
    static let standard = [
        TuneShape(label: "step", m: 64, n: 2048, k: 512, transA: false, transB: true),
        TuneShape(label: "proj", m: 3200, n: 2048, k: 256, transA: false, transB: true),
        TuneShape(label: "wgrad", m: 2048, n: 512, k: 3200, transA: true, transB: false),
        TuneShape(label: "b32", m: 32, n: 512, k: 128, transA: false, transB: true),
        TuneShape(label: "b1", m: 1, n: 1024, k: 256, transA: false, transB: true),
    ]

    var name: String { "\(label) \(m)x\(n)x\(k)\(transA ? " A^T" : "")\(transB ? " B^T" : "")" }

    /// A shape of `--shape`, "MxNxK" with ":At", ":Bt" or ":AtBt" as `rnn-bench peak --shape`
    /// takes it, labelled with that text.
    init?(argument: String) {
        guard let shape = GEMMShape(argument: argument) else { return nil }
        self.init(label: argument, m: shape.m, n: shape.n, k: shape.k, transA: shape.transA, transB: shape.transB)
    }

    init(label: String, m: Int, n: Int, k: Int, transA: Bool, transB: Bool) {
        self.label = label; self.m = m; self.n = n; self.k = k; self.transA = transA; self.transB = transB
    }
    var flops: Double { 2 * Double(m) * Double(n) * Double(k) }

    /// GEMMs queued per wait: enough that a small GEMM is not timed as the cost of a wait (the
    /// recurrent steps of a sequence are queued with one wait, too), at most 50.
    var batch: Int { min(50, max(1, Int((2.5e8 / flops).rounded(.up)))) }
}

/// The operands of every shape, in device memory, and the CPU's products as the reference. The
/// buffers belong to the device's shared context, so every candidate's backend uses the same ones.
final class TuneWorkload {
    struct Operands {
        let a: Matrix, b: Matrix, c: Matrix
    }

    let shapes: [TuneShape]
    let operands: [Operands]
    /// C = op(A) op(B) by RecurCPU's sgemm, per shape.
    let references: [[Float]]

    init(shapes: [TuneShape], on backend: any Backend) throws {
        var generator = SeededGenerator(seed: 7)
        var operands: [Operands] = [], references: [[Float]] = []
        for shape in shapes {
            let a = (0..<(shape.m * shape.k)).map { _ in generator.uniform(-1, 1) }
            let b = (0..<(shape.k * shape.n)).map { _ in generator.uniform(-1, 1) }
            var reference = [Float](repeating: 0, count: shape.m * shape.n)
            try CPUGemm.sgemm(transA: shape.transA, transB: shape.transB, m: shape.m, n: shape.n, k: shape.k, alpha: 1,
                          a: a, lda: shape.transA ? shape.m : shape.k, b: b, ldb: shape.transB ? shape.k : shape.n,
                          beta: 0, c: &reference, ldc: shape.n)
            references.append(reference)
            operands.append(Operands(
                a: try backend.tensor(a, shape: shape.transA ? [shape.k, shape.m] : [shape.m, shape.k]).matrix,
                b: try backend.tensor(b, shape: shape.transB ? [shape.n, shape.k] : [shape.k, shape.n]).matrix,
                c: try backend.tensor(reference, shape: [shape.m, shape.n]).matrix))
        }
        try backend.synchronize()
        self.shapes = shapes
        self.operands = operands
        self.references = references
    }

    /// C = op(A) op(B) for shape `index` on `backend` (enqueued, not waited for).
    func gemm(_ index: Int, on backend: any Backend) throws {
        let shape = shapes[index], operand = operands[index]
        try backend.gemm(transA: shape.transA, transB: shape.transB, alpha: 1, operand.a, operand.b, beta: 0, operand.c)
    }

    /// max |C - reference| / max |reference| for shape `index` on `backend`, C first filled with NaN
    /// so that a kernel that writes nothing cannot pass on an earlier candidate's result.
    func relativeError(_ index: Int, on backend: any Backend) throws -> Float {
        let c = operands[index].c
        try backend.fill(c, value: .nan)
        try gemm(index, on: backend)
        let result = try backend.download(c.buffer, offset: c.offset, count: c.rows * c.cols)
        var worst: Float = 0, scale: Float = 0
        for (value, expected) in zip(result, references[index]) {
            let error = abs(value - expected)
            worst = error.isNaN ? .infinity : max(worst, error)
            scale = max(scale, abs(expected))
        }
        return worst / max(scale, .leastNormalMagnitude)
    }
}

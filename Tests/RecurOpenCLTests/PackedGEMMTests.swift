import Recur
import RecurCPU
@testable import RecurOpenCL
import Testing

/// gemm_packed's edges against RecurCPU's sgemm: each work-item owns 8 rows and two 16-column
/// panels (32 columns), so the shapes below take M == 1 (the GEMV loop), M not a multiple of 8
/// (clamped rows) or of GEMM_MR, N under 16, N not a multiple of 16 (a partial panel), an odd
/// number of panels (a pair without its second panel), and K not a multiple of 4 (the one-step
/// tail), with beta 0 and beta != 0, for each GEMM_MR. Blocks end in 2-, 4- and 6-row tails where
/// GEMM_MR is larger (M = 2, 3, 5, 6, 9, 10, 12, 13, 14, 31: tails of 2, 3, 5, 6, 1, 2, 4, 5, 6 and
/// 7 rows; the whole-sequence kernels' 3-, 5- and 7-row blocks are UnitPartsTests').
@Suite(.enabled(if: TestDevice.shouldRun, TestDevice.skipReason))
struct PackedGEMMTests {
    /// (M, N, K): 45 and 17 columns are 3 and 2 panels, 33 is 3 (the last of one column), 5 one.
    static let shapes = [(1, 45, 7), (1, 64, 5), (2, 20, 6), (3, 5, 9), (9, 17, 4), (10, 40, 11), (12, 33, 8), (13, 33, 1),
                         (5, 33, 9), (6, 45, 13), (14, 20, 10),
                         (16, 48, 19), (31, 70, 34), (64, 45, 29)]

    @Test(arguments: [nil, 1, 2, 4, 8] as [Int?])
    func packedProductsMatchTheCPU(rows: Int?) throws {
        let backend = try OpenCLBackend(device: TestDevice.request, gemmTuning: GEMMTuning(packed: true, packedRows: rows))
        var generator = SeededGenerator(seed: 5)
        for (m, n, k) in Self.shapes {
            for (transA, transB, beta) in [(false, false, Float(0)), (false, true, 0.5), (true, false, 0.5), (true, true, 0)] {
                let a = (0..<(m * k)).map { _ in generator.uniform(-1, 1) }, b = (0..<(k * n)).map { _ in generator.uniform(-1, 1) }
                let c0 = (0..<(m * n)).map { _ in generator.uniform(-1, 1) }
                var expected = c0
                try CPUGemm.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1.5, a: a, lda: transA ? m : k,
                              b: b, ldb: transB ? k : n, beta: beta, c: &expected, ldc: n)
                let ta = try backend.tensor(a, shape: transA ? [k, m] : [m, k]), tb = try backend.tensor(b, shape: transB ? [n, k] : [k, n])
                let tc = try backend.tensor(c0, shape: [m, n])
                try backend.gemm(transA: transA, transB: transB, alpha: 1.5, ta.matrix, tb.matrix, beta: beta, tc.matrix)
                let actual = try backend.download(tc.matrix.buffer, offset: 0, count: m * n)
                let error = zip(actual, expected).map { abs($0 - $1) }.max() ?? 0
                #expect(error <= 1e-4, "MR \(rows.map(String.init) ?? "default") \(m)x\(n)x\(k) transA \(transA) transB \(transB) beta \(beta): max |error| \(error)")
            }
        }
    }
}

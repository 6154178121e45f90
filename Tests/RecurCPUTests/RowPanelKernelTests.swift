@testable import RecurCPU
import Testing

/// The time loop's register-blocked products (`RowPanelKernels`): every row count, with each
/// kernel set this machine runs, against a plain triple loop; and how the rows are cut into
/// kernel calls, each of which streams the whole panel (pair) once.
@Suite struct RowPanelKernelTests {
    @Test("each row count takes one call for its last rows (a batch of 3 streamed the pair 3 times)")
    func rowBlocks() {
        for rows in 1...64 {
            let pair = RowPanelKernels.pairBlocks(rows: rows)
            #expect(12 * pair.twelves + 8 * pair.eights + pair.tail == rows)
            #expect(pair.eights <= 2 && pair.tail < 8, "\(rows) rows: \(pair)")
            let pairCalls = pair.twelves + pair.eights + (pair.tail > 0 ? 1 : 0)
            #expect(pairCalls <= (rows + 11) / 12 + 1, "\(rows) rows: \(pairCalls) calls")
            if rows <= 8 || rows == 12 { #expect(pairCalls == 1, "\(rows) rows: \(pairCalls) calls") }

            let panel = RowPanelKernels.panelBlocks(rows: rows)
            #expect(6 * panel.sixes + panel.tail == rows)
            let panelCalls = panel.sixes + (panel.tail > 0 ? 1 : 0)
            if rows <= 6 { #expect(panelCalls == 1, "\(rows) rows: \(panelCalls) calls (8 lanes)") }
        }
    }

    /// Rows 1-15 and a few more (every tail of every block), depths that end on an odd k step and
    /// that take several passes, three panels (a pair and a lone one, with a zero-padded edge).
    @Test("the product agrees with a triple loop on every row count", arguments: CPUKernels.supported)
    func product(kernels: CPUKernels) {
        var state: UInt64 = 0x9E37_79B9
        func next() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int(state >> 40) % 2001 - 1000) / 1000
        }
        let n = 40, count = 3
        for k in [1, 7, 64, 131] {
            for rows in Array(1...17) + [19, 20, 23, 27, 28, 31] {
                let lda = k + 3, ldc = count * 16 + 5
                let a = (0..<(rows * lda)).map { _ in next() }
                let b = (0..<(k * n)).map { _ in next() }  // op(B): k x n, row-major
                let panels = UnsafeMutablePointer<Float>.allocate(capacity: count * k * 16 + GemmScratch.slack)
                defer { panels.deallocate() }
                let keepBits = [UInt32](repeating: .max, count: 8)
                let keep = keepBits.withUnsafeBytes { $0.loadUnaligned(as: SIMD8<UInt32>.self) }
                b.withUnsafeBufferPointer { bp in
                    RowPanelKernels.pack(count: count, k: k, transB: false, bp.baseAddress!, ldb: n, kernels: kernels,
                                         into: panels, keep: keep) { q in (16 * q, min(16, n - 16 * q)) }
                }
                var c = [Float](repeating: .nan, count: rows * ldc)
                a.withUnsafeBufferPointer { ap in
                    c.withUnsafeMutableBufferPointer { cp in
                        RowPanelKernels.product(rows: rows, k: k, a: ap.baseAddress!, lda: lda, panels: panels, count: count,
                                                c: cp.baseAddress!, ldc: ldc, kernels: kernels, depth: 16)
                    }
                }
                var worst: Float = 0
                for i in 0..<rows {
                    for j in 0..<(count * 16) {
                        var sum: Float = 0
                        if j < n { for p in 0..<k { sum += a[i * lda + p] * b[p * n + j] } }
                        worst = max(worst, abs(c[i * ldc + j] - sum))
                    }
                }
                #expect(worst <= 1e-4 * Float(k), "\(kernels), \(rows) rows, k \(k): max error \(worst)")
            }
        }
    }
}

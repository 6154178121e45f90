/// The AVX-512 micro-kernel of RecurCPU's packed GEMM: a 12 x 32 tile of C in 24 16-lane accumulators.
///
/// 12 x 32 because AVX-512 has 32 zmm registers: 24 accumulators + 2 vectors of B leave room for
/// the broadcasts (folded into `vfmadd231ps` as `{1to16}` memory operands), and each k step costs
/// 2 loads of B and 12 broadcasts for 24 FMAs, so the two load ports keep up with the two FMA ports.
///
/// It reads RecurCPU's packed layouts unchanged: two consecutive 6-row A panels and two consecutive
/// 16-column B panels, so the AVX2 6 x 16 kernel can finish the edges of the same packed blocks.
public enum AVX512PackedTile {
    /// C[0..<12, 0..<32] = alpha * A(12 x kc) * B(kc x 32) + beta * C   (beta == 0: C is not read)
    ///
    /// - a: rows 0-5 of k step p at `a[p * aStep + r]`, rows 6-11 at `a[aPanelStride + p * aStep + r - 6]`:
    ///   packed A panels (aStep 6, aPanelStride kc * 6), or a stored A^T read in place (aStep its
    ///   leading dimension, aPanelStride 6: the 12 rows of a k step are 12 consecutive floats).
    /// - b: packed B panels, columns 0-15 at `b[p * 16 + j]`, 16-31 at `b[bPanelStride + p * 16 + j - 16]`.
    /// - c: row-major with leading dimension ldc; all 12 x 32 entries are written.
    @inline(never)
    public static func multiply12x32(
        _ kc: Int, _ a: UnsafePointer<Float>, _ aPanelStride: Int, _ aStep: Int, _ b: UnsafePointer<Float>,
        _ bPanelStride: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ alpha: Float, _ beta: Float
    ) {
        var c0a = F16(), c0b = F16(), c1a = F16(), c1b = F16(), c2a = F16(), c2b = F16()
        var c3a = F16(), c3b = F16(), c4a = F16(), c4b = F16(), c5a = F16(), c5b = F16()
        var c6a = F16(), c6b = F16(), c7a = F16(), c7b = F16(), c8a = F16(), c8b = F16()
        var c9a = F16(), c9b = F16(), c10a = F16(), c10b = F16(), c11a = F16(), c11b = F16()
        var pa = a, pb = b
        let a2 = aPanelStride, b2 = bPanelStride
        for _ in 0..<kc {
            let b0 = load16(pb), b1 = load16(pb + b2)
            var av: F16
            av = F16(repeating: pa[0]); c0a = c0a.addingProduct(av, b0); c0b = c0b.addingProduct(av, b1)
            av = F16(repeating: pa[1]); c1a = c1a.addingProduct(av, b0); c1b = c1b.addingProduct(av, b1)
            av = F16(repeating: pa[2]); c2a = c2a.addingProduct(av, b0); c2b = c2b.addingProduct(av, b1)
            av = F16(repeating: pa[3]); c3a = c3a.addingProduct(av, b0); c3b = c3b.addingProduct(av, b1)
            av = F16(repeating: pa[4]); c4a = c4a.addingProduct(av, b0); c4b = c4b.addingProduct(av, b1)
            av = F16(repeating: pa[5]); c5a = c5a.addingProduct(av, b0); c5b = c5b.addingProduct(av, b1)
            av = F16(repeating: pa[a2 + 0]); c6a = c6a.addingProduct(av, b0); c6b = c6b.addingProduct(av, b1)
            av = F16(repeating: pa[a2 + 1]); c7a = c7a.addingProduct(av, b0); c7b = c7b.addingProduct(av, b1)
            av = F16(repeating: pa[a2 + 2]); c8a = c8a.addingProduct(av, b0); c8b = c8b.addingProduct(av, b1)
            av = F16(repeating: pa[a2 + 3]); c9a = c9a.addingProduct(av, b0); c9b = c9b.addingProduct(av, b1)
            av = F16(repeating: pa[a2 + 4]); c10a = c10a.addingProduct(av, b0); c10b = c10b.addingProduct(av, b1)
            av = F16(repeating: pa[a2 + 5]); c11a = c11a.addingProduct(av, b0); c11b = c11b.addingProduct(av, b1)
            pa += aStep
            pb += 16
        }
        storeRow32(c0a, c0b, c, alpha, beta)
        storeRow32(c1a, c1b, c + ldc, alpha, beta)
        storeRow32(c2a, c2b, c + 2 * ldc, alpha, beta)
        storeRow32(c3a, c3b, c + 3 * ldc, alpha, beta)
        storeRow32(c4a, c4b, c + 4 * ldc, alpha, beta)
        storeRow32(c5a, c5b, c + 5 * ldc, alpha, beta)
        storeRow32(c6a, c6b, c + 6 * ldc, alpha, beta)
        storeRow32(c7a, c7b, c + 7 * ldc, alpha, beta)
        storeRow32(c8a, c8b, c + 8 * ldc, alpha, beta)
        storeRow32(c9a, c9b, c + 9 * ldc, alpha, beta)
        storeRow32(c10a, c10b, c + 10 * ldc, alpha, beta)
        storeRow32(c11a, c11b, c + 11 * ldc, alpha, beta)
    }

    /// C[0..<6, 0..<32] = alpha * A(6 x kc) * B(kc x 32) + beta * C from one A panel and two B
    /// panels: the last rows of a block (fewer than 12) next to `multiply12x32`'s tiles. 12
    /// accumulators, 2 loads of B and 6 broadcasts per 12 FMAs.
    @inline(never)
    public static func multiply6x32(
        _ kc: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ bPanelStride: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ alpha: Float, _ beta: Float
    ) {
        var c0a = F16(), c0b = F16(), c1a = F16(), c1b = F16(), c2a = F16(), c2b = F16()
        var c3a = F16(), c3b = F16(), c4a = F16(), c4b = F16(), c5a = F16(), c5b = F16()
        var pa = a, pb = b
        let b2 = bPanelStride
        for _ in 0..<kc {
            let b0 = load16(pb), b1 = load16(pb + b2)
            var av: F16
            av = F16(repeating: pa[0]); c0a = c0a.addingProduct(av, b0); c0b = c0b.addingProduct(av, b1)
            av = F16(repeating: pa[1]); c1a = c1a.addingProduct(av, b0); c1b = c1b.addingProduct(av, b1)
            av = F16(repeating: pa[2]); c2a = c2a.addingProduct(av, b0); c2b = c2b.addingProduct(av, b1)
            av = F16(repeating: pa[3]); c3a = c3a.addingProduct(av, b0); c3b = c3b.addingProduct(av, b1)
            av = F16(repeating: pa[4]); c4a = c4a.addingProduct(av, b0); c4b = c4b.addingProduct(av, b1)
            av = F16(repeating: pa[5]); c5a = c5a.addingProduct(av, b0); c5b = c5b.addingProduct(av, b1)
            pa += 6
            pb += 16
        }
        storeRow32(c0a, c0b, c, alpha, beta)
        storeRow32(c1a, c1b, c + ldc, alpha, beta)
        storeRow32(c2a, c2b, c + 2 * ldc, alpha, beta)
        storeRow32(c3a, c3b, c + 3 * ldc, alpha, beta)
        storeRow32(c4a, c4b, c + 4 * ldc, alpha, beta)
        storeRow32(c5a, c5b, c + 5 * ldc, alpha, beta)
    }
}

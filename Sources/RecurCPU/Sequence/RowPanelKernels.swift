/// Register-blocked kernels for the recurrent time loop: C (r x 16) = A (r x K) * panel (K x 16),
/// with A read straight from its row-major storage and the panel packed once per sequence
/// (`packB`'s layout: `panel[p * 16 + j]`). C is overwritten.
///
/// Why not the blocked GEMM: inside the time loop A is the state of one step (B x H) or its gate
/// gradients, used once, so packing it costs as much as it saves; the weight panels are what stay
/// in cache from step to step. Rows come 6 at a time (12 accumulators, as `sgemmMicroKernel6x16`),
/// and the remainder 4, 2 or 1 at a time with k unrolled so that 8 FMA chains stay in flight.
enum RowPanelKernels {
    /// C[0..<rows, 0..<16] for any rows >= 0, in blocks of 6, 4, 2 and 1.
    @inline(__always)
    static func multiply(
        rows: Int, k: Int, a: UnsafePointer<Float>, lda: Int, panel: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        var i = 0
        while i + 6 <= rows {
            rows6(k, a + i * lda, lda, panel, c + i * ldc, ldc)
            i += 6
        }
        if i + 4 <= rows {
            rows4(k, a + i * lda, lda, panel, c + i * ldc, ldc)
            i += 4
        }
        if i + 2 <= rows {
            rows2(k, a + i * lda, lda, panel, c + i * ldc, ldc)
            i += 2
        }
        if i < rows {
            rows1(k, a + i * lda, panel, c + i * ldc)
        }
    }

    @inline(never)
    static func rows6(
        _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int
    ) {
        var c00 = F8(), c01 = F8(), c10 = F8(), c11 = F8(), c20 = F8(), c21 = F8()
        var c30 = F8(), c31 = F8(), c40 = F8(), c41 = F8(), c50 = F8(), c51 = F8()
        let a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda, a4 = a + 4 * lda, a5 = a + 5 * lda
        var pb = b
        for p in 0..<k {
            let b0 = load8(pb), b1 = load8(pb + 8)
            var av = F8(repeating: a0[p])
            c00 = c00.addingProduct(av, b0); c01 = c01.addingProduct(av, b1)
            av = F8(repeating: a1[p])
            c10 = c10.addingProduct(av, b0); c11 = c11.addingProduct(av, b1)
            av = F8(repeating: a2[p])
            c20 = c20.addingProduct(av, b0); c21 = c21.addingProduct(av, b1)
            av = F8(repeating: a3[p])
            c30 = c30.addingProduct(av, b0); c31 = c31.addingProduct(av, b1)
            av = F8(repeating: a4[p])
            c40 = c40.addingProduct(av, b0); c41 = c41.addingProduct(av, b1)
            av = F8(repeating: a5[p])
            c50 = c50.addingProduct(av, b0); c51 = c51.addingProduct(av, b1)
            pb += 16
        }
        store8(c00, c); store8(c01, c + 8)
        store8(c10, c + ldc); store8(c11, c + ldc + 8)
        store8(c20, c + 2 * ldc); store8(c21, c + 2 * ldc + 8)
        store8(c30, c + 3 * ldc); store8(c31, c + 3 * ldc + 8)
        store8(c40, c + 4 * ldc); store8(c41, c + 4 * ldc + 8)
        store8(c50, c + 5 * ldc); store8(c51, c + 5 * ldc + 8)
    }

    /// 4 rows: 8 accumulators, already 8 independent chains.
    @inline(never)
    static func rows4(
        _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int
    ) {
        var c00 = F8(), c01 = F8(), c10 = F8(), c11 = F8(), c20 = F8(), c21 = F8(), c30 = F8(), c31 = F8()
        let a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda
        var pb = b
        for p in 0..<k {
            let b0 = load8(pb), b1 = load8(pb + 8)
            var av = F8(repeating: a0[p])
            c00 = c00.addingProduct(av, b0); c01 = c01.addingProduct(av, b1)
            av = F8(repeating: a1[p])
            c10 = c10.addingProduct(av, b0); c11 = c11.addingProduct(av, b1)
            av = F8(repeating: a2[p])
            c20 = c20.addingProduct(av, b0); c21 = c21.addingProduct(av, b1)
            av = F8(repeating: a3[p])
            c30 = c30.addingProduct(av, b0); c31 = c31.addingProduct(av, b1)
            pb += 16
        }
        store8(c00, c); store8(c01, c + 8)
        store8(c10, c + ldc); store8(c11, c + ldc + 8)
        store8(c20, c + 2 * ldc); store8(c21, c + 2 * ldc + 8)
        store8(c30, c + 3 * ldc); store8(c31, c + 3 * ldc + 8)
    }

    /// 2 rows: even and odd k in separate accumulators (8 chains), summed at the end.
    @inline(never)
    static func rows2(
        _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int
    ) {
        var e00 = F8(), e01 = F8(), e10 = F8(), e11 = F8()
        var o00 = F8(), o01 = F8(), o10 = F8(), o11 = F8()
        let a0 = a, a1 = a + lda
        var pb = b
        var p = 0
        while p + 2 <= k {
            let b0 = load8(pb), b1 = load8(pb + 8), b2 = load8(pb + 16), b3 = load8(pb + 24)
            var av = F8(repeating: a0[p])
            e00 = e00.addingProduct(av, b0); e01 = e01.addingProduct(av, b1)
            av = F8(repeating: a1[p])
            e10 = e10.addingProduct(av, b0); e11 = e11.addingProduct(av, b1)
            av = F8(repeating: a0[p + 1])
            o00 = o00.addingProduct(av, b2); o01 = o01.addingProduct(av, b3)
            av = F8(repeating: a1[p + 1])
            o10 = o10.addingProduct(av, b2); o11 = o11.addingProduct(av, b3)
            pb += 32
            p += 2
        }
        if p < k {
            let b0 = load8(pb), b1 = load8(pb + 8)
            var av = F8(repeating: a0[p])
            e00 = e00.addingProduct(av, b0); e01 = e01.addingProduct(av, b1)
            av = F8(repeating: a1[p])
            e10 = e10.addingProduct(av, b0); e11 = e11.addingProduct(av, b1)
        }
        store8(e00 + o00, c); store8(e01 + o01, c + 8)
        store8(e10 + o10, c + ldc); store8(e11 + o11, c + ldc + 8)
    }

    /// 1 row (batch 1: a matrix-vector product): k in four interleaved accumulator pairs.
    @inline(never)
    static func rows1(
        _ k: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>
    ) {
        var s0 = F8(), s1 = F8(), t0 = F8(), t1 = F8(), u0 = F8(), u1 = F8(), v0 = F8(), v1 = F8()
        var pb = b
        var p = 0
        while p + 4 <= k {
            var av = F8(repeating: a[p])
            s0 = s0.addingProduct(av, load8(pb)); s1 = s1.addingProduct(av, load8(pb + 8))
            av = F8(repeating: a[p + 1])
            t0 = t0.addingProduct(av, load8(pb + 16)); t1 = t1.addingProduct(av, load8(pb + 24))
            av = F8(repeating: a[p + 2])
            u0 = u0.addingProduct(av, load8(pb + 32)); u1 = u1.addingProduct(av, load8(pb + 40))
            av = F8(repeating: a[p + 3])
            v0 = v0.addingProduct(av, load8(pb + 48)); v1 = v1.addingProduct(av, load8(pb + 56))
            pb += 64
            p += 4
        }
        while p < k {
            let av = F8(repeating: a[p])
            s0 = s0.addingProduct(av, load8(pb)); s1 = s1.addingProduct(av, load8(pb + 8))
            pb += 16
            p += 1
        }
        store8((s0 + t0) + (u0 + v0), c)
        store8((s1 + t1) + (u1 + v1), c + 8)
    }
}

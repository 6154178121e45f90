/// The AVX-512 kernels of RecurCPU's recurrent time loop (RowPanelKernels): C (rows x 32) =
/// A (rows x k, read straight from row-major storage) * a packed pair of 16-column panels,
/// interleaved (`pair[p * 32 + j]`, j < 32: one stream of 128 bytes per k step).
/// Inside the time loop A is one step's state, used once, so it is not packed; the panels are what
/// stay in cache from step to step.
///
/// Why interleaved: batch 1 streams the panels from L2 every step, and two 16-column panels read
/// side by side (two streams 16*k floats apart) came at 115 GB/s on this Zen 5, one interleaved
/// stream at 200-220 GB/s (a C probe of the `rows1` loop over 128-512 KiB of panels, one core).
public enum AVX512RowPanels {
    /// C[0..<12, 0..<32] (+)= A[0..<12, 0..<k] * pair: 24 accumulators, as
    /// `AVX512PackedTile.multiply12x32`.
    @inline(never)
    public static func rows12(
        _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) {
        var c0a = F16(), c0b = F16(), c1a = F16(), c1b = F16(), c2a = F16(), c2b = F16()
        var c3a = F16(), c3b = F16(), c4a = F16(), c4b = F16(), c5a = F16(), c5b = F16()
        var c6a = F16(), c6b = F16(), c7a = F16(), c7b = F16(), c8a = F16(), c8b = F16()
        var c9a = F16(), c9b = F16(), c10a = F16(), c10b = F16(), c11a = F16(), c11b = F16()
        let a0 = a, a3 = a + 3 * lda, a6 = a + 6 * lda, a9 = a + 9 * lda
        var pb = b
        for p in 0..<k {
            let b0 = load16(pb), b1 = load16(pb + 16)
            var av: F16
            av = F16(repeating: a0[p]); c0a = c0a.addingProduct(av, b0); c0b = c0b.addingProduct(av, b1)
            av = F16(repeating: a0[lda + p]); c1a = c1a.addingProduct(av, b0); c1b = c1b.addingProduct(av, b1)
            av = F16(repeating: a0[2 * lda + p]); c2a = c2a.addingProduct(av, b0); c2b = c2b.addingProduct(av, b1)
            av = F16(repeating: a3[p]); c3a = c3a.addingProduct(av, b0); c3b = c3b.addingProduct(av, b1)
            av = F16(repeating: a3[lda + p]); c4a = c4a.addingProduct(av, b0); c4b = c4b.addingProduct(av, b1)
            av = F16(repeating: a3[2 * lda + p]); c5a = c5a.addingProduct(av, b0); c5b = c5b.addingProduct(av, b1)
            av = F16(repeating: a6[p]); c6a = c6a.addingProduct(av, b0); c6b = c6b.addingProduct(av, b1)
            av = F16(repeating: a6[lda + p]); c7a = c7a.addingProduct(av, b0); c7b = c7b.addingProduct(av, b1)
            av = F16(repeating: a6[2 * lda + p]); c8a = c8a.addingProduct(av, b0); c8b = c8b.addingProduct(av, b1)
            av = F16(repeating: a9[p]); c9a = c9a.addingProduct(av, b0); c9b = c9b.addingProduct(av, b1)
            av = F16(repeating: a9[lda + p]); c10a = c10a.addingProduct(av, b0); c10b = c10b.addingProduct(av, b1)
            av = F16(repeating: a9[2 * lda + p]); c11a = c11a.addingProduct(av, b0); c11b = c11b.addingProduct(av, b1)
            pb += 32
        }
        putRow32(c0a, c0b, c, accumulate)
        putRow32(c1a, c1b, c + ldc, accumulate)
        putRow32(c2a, c2b, c + 2 * ldc, accumulate)
        putRow32(c3a, c3b, c + 3 * ldc, accumulate)
        putRow32(c4a, c4b, c + 4 * ldc, accumulate)
        putRow32(c5a, c5b, c + 5 * ldc, accumulate)
        putRow32(c6a, c6b, c + 6 * ldc, accumulate)
        putRow32(c7a, c7b, c + 7 * ldc, accumulate)
        putRow32(c8a, c8b, c + 8 * ldc, accumulate)
        putRow32(c9a, c9b, c + 9 * ldc, accumulate)
        putRow32(c10a, c10b, c + 10 * ldc, accumulate)
        putRow32(c11a, c11b, c + 11 * ldc, accumulate)
    }

    /// 8 rows: 16 accumulators. The 8 rows a batch of 32 leaves after two `rows12` took two
    /// `rows4` calls, each reading the pair again for 8 FMAs a k step, at ~16% more time per FMA
    /// than `rows12` (perf, lstm-small).
    @inline(never)
    public static func rows8(
        _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) {
        var c0a = F16(), c0b = F16(), c1a = F16(), c1b = F16(), c2a = F16(), c2b = F16(), c3a = F16(), c3b = F16()
        var c4a = F16(), c4b = F16(), c5a = F16(), c5b = F16(), c6a = F16(), c6b = F16(), c7a = F16(), c7b = F16()
        let a4 = a + 4 * lda
        var pb = b
        for p in 0..<k {
            let b0 = load16(pb), b1 = load16(pb + 16)
            var av: F16
            av = F16(repeating: a[p]); c0a = c0a.addingProduct(av, b0); c0b = c0b.addingProduct(av, b1)
            av = F16(repeating: a[lda + p]); c1a = c1a.addingProduct(av, b0); c1b = c1b.addingProduct(av, b1)
            av = F16(repeating: a[2 * lda + p]); c2a = c2a.addingProduct(av, b0); c2b = c2b.addingProduct(av, b1)
            av = F16(repeating: a[3 * lda + p]); c3a = c3a.addingProduct(av, b0); c3b = c3b.addingProduct(av, b1)
            av = F16(repeating: a4[p]); c4a = c4a.addingProduct(av, b0); c4b = c4b.addingProduct(av, b1)
            av = F16(repeating: a4[lda + p]); c5a = c5a.addingProduct(av, b0); c5b = c5b.addingProduct(av, b1)
            av = F16(repeating: a4[2 * lda + p]); c6a = c6a.addingProduct(av, b0); c6b = c6b.addingProduct(av, b1)
            av = F16(repeating: a4[3 * lda + p]); c7a = c7a.addingProduct(av, b0); c7b = c7b.addingProduct(av, b1)
            pb += 32
        }
        putRow32(c0a, c0b, c, accumulate)
        putRow32(c1a, c1b, c + ldc, accumulate)
        putRow32(c2a, c2b, c + 2 * ldc, accumulate)
        putRow32(c3a, c3b, c + 3 * ldc, accumulate)
        putRow32(c4a, c4b, c + 4 * ldc, accumulate)
        putRow32(c5a, c5b, c + 5 * ldc, accumulate)
        putRow32(c6a, c6b, c + 6 * ldc, accumulate)
        putRow32(c7a, c7b, c + 7 * ldc, accumulate)
    }

    /// 7 rows: 14 accumulators (see `rows5`).
    @inline(never)
    public static func rows7(
        _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) {
        var c0a = F16(), c0b = F16(), c1a = F16(), c1b = F16(), c2a = F16(), c2b = F16(), c3a = F16(), c3b = F16()
        var c4a = F16(), c4b = F16(), c5a = F16(), c5b = F16(), c6a = F16(), c6b = F16()
        let a4 = a + 4 * lda
        var pb = b
        for p in 0..<k {
            let b0 = load16(pb), b1 = load16(pb + 16)
            var av: F16
            av = F16(repeating: a[p]); c0a = c0a.addingProduct(av, b0); c0b = c0b.addingProduct(av, b1)
            av = F16(repeating: a[lda + p]); c1a = c1a.addingProduct(av, b0); c1b = c1b.addingProduct(av, b1)
            av = F16(repeating: a[2 * lda + p]); c2a = c2a.addingProduct(av, b0); c2b = c2b.addingProduct(av, b1)
            av = F16(repeating: a[3 * lda + p]); c3a = c3a.addingProduct(av, b0); c3b = c3b.addingProduct(av, b1)
            av = F16(repeating: a4[p]); c4a = c4a.addingProduct(av, b0); c4b = c4b.addingProduct(av, b1)
            av = F16(repeating: a4[lda + p]); c5a = c5a.addingProduct(av, b0); c5b = c5b.addingProduct(av, b1)
            av = F16(repeating: a4[2 * lda + p]); c6a = c6a.addingProduct(av, b0); c6b = c6b.addingProduct(av, b1)
            pb += 32
        }
        putRow32(c0a, c0b, c, accumulate)
        putRow32(c1a, c1b, c + ldc, accumulate)
        putRow32(c2a, c2b, c + 2 * ldc, accumulate)
        putRow32(c3a, c3b, c + 3 * ldc, accumulate)
        putRow32(c4a, c4b, c + 4 * ldc, accumulate)
        putRow32(c5a, c5b, c + 5 * ldc, accumulate)
        putRow32(c6a, c6b, c + 6 * ldc, accumulate)
    }

    /// 6 rows: 12 accumulators (see `rows5`).
    @inline(never)
    public static func rows6(
        _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) {
        var c0a = F16(), c0b = F16(), c1a = F16(), c1b = F16(), c2a = F16(), c2b = F16(), c3a = F16(), c3b = F16()
        var c4a = F16(), c4b = F16(), c5a = F16(), c5b = F16()
        let a4 = a + 4 * lda
        var pb = b
        for p in 0..<k {
            let b0 = load16(pb), b1 = load16(pb + 16)
            var av: F16
            av = F16(repeating: a[p]); c0a = c0a.addingProduct(av, b0); c0b = c0b.addingProduct(av, b1)
            av = F16(repeating: a[lda + p]); c1a = c1a.addingProduct(av, b0); c1b = c1b.addingProduct(av, b1)
            av = F16(repeating: a[2 * lda + p]); c2a = c2a.addingProduct(av, b0); c2b = c2b.addingProduct(av, b1)
            av = F16(repeating: a[3 * lda + p]); c3a = c3a.addingProduct(av, b0); c3b = c3b.addingProduct(av, b1)
            av = F16(repeating: a4[p]); c4a = c4a.addingProduct(av, b0); c4b = c4b.addingProduct(av, b1)
            av = F16(repeating: a4[lda + p]); c5a = c5a.addingProduct(av, b0); c5b = c5b.addingProduct(av, b1)
            pb += 32
        }
        putRow32(c0a, c0b, c, accumulate)
        putRow32(c1a, c1b, c + ldc, accumulate)
        putRow32(c2a, c2b, c + 2 * ldc, accumulate)
        putRow32(c3a, c3b, c + 3 * ldc, accumulate)
        putRow32(c4a, c4b, c + 4 * ldc, accumulate)
        putRow32(c5a, c5b, c + 5 * ldc, accumulate)
    }

    /// 5 to 7 rows: 10 to 14 accumulators, one pass over the pair where 4 + 1 to 3 rows took two
    /// (a batch of 5 to 7 split by units, or a thread's share of 13 to 15 rows of a batch).
    @inline(never)
    public static func rows5(
        _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) {
        var c0a = F16(), c0b = F16(), c1a = F16(), c1b = F16(), c2a = F16(), c2b = F16(), c3a = F16(), c3b = F16()
        var c4a = F16(), c4b = F16()
        let a4 = a + 4 * lda
        var pb = b
        for p in 0..<k {
            let b0 = load16(pb), b1 = load16(pb + 16)
            var av: F16
            av = F16(repeating: a[p]); c0a = c0a.addingProduct(av, b0); c0b = c0b.addingProduct(av, b1)
            av = F16(repeating: a[lda + p]); c1a = c1a.addingProduct(av, b0); c1b = c1b.addingProduct(av, b1)
            av = F16(repeating: a[2 * lda + p]); c2a = c2a.addingProduct(av, b0); c2b = c2b.addingProduct(av, b1)
            av = F16(repeating: a[3 * lda + p]); c3a = c3a.addingProduct(av, b0); c3b = c3b.addingProduct(av, b1)
            av = F16(repeating: a4[p]); c4a = c4a.addingProduct(av, b0); c4b = c4b.addingProduct(av, b1)
            pb += 32
        }
        putRow32(c0a, c0b, c, accumulate)
        putRow32(c1a, c1b, c + ldc, accumulate)
        putRow32(c2a, c2b, c + 2 * ldc, accumulate)
        putRow32(c3a, c3b, c + 3 * ldc, accumulate)
        putRow32(c4a, c4b, c + 4 * ldc, accumulate)
    }

    /// 4 rows: 8 accumulators, 8 independent chains.
    @inline(never)
    public static func rows4(
        _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) {
        var c0a = F16(), c0b = F16(), c1a = F16(), c1b = F16()
        var c2a = F16(), c2b = F16(), c3a = F16(), c3b = F16()
        var pb = b
        for p in 0..<k {
            let b0 = load16(pb), b1 = load16(pb + 16)
            var av: F16
            av = F16(repeating: a[p]); c0a = c0a.addingProduct(av, b0); c0b = c0b.addingProduct(av, b1)
            av = F16(repeating: a[lda + p]); c1a = c1a.addingProduct(av, b0); c1b = c1b.addingProduct(av, b1)
            av = F16(repeating: a[2 * lda + p]); c2a = c2a.addingProduct(av, b0); c2b = c2b.addingProduct(av, b1)
            av = F16(repeating: a[3 * lda + p]); c3a = c3a.addingProduct(av, b0); c3b = c3b.addingProduct(av, b1)
            pb += 32
        }
        putRow32(c0a, c0b, c, accumulate)
        putRow32(c1a, c1b, c + ldc, accumulate)
        putRow32(c2a, c2b, c + 2 * ldc, accumulate)
        putRow32(c3a, c3b, c + 3 * ldc, accumulate)
    }

    /// 3 rows: even and odd k in separate accumulators (12 chains), summed at the end. Without it
    /// a batch of 3 took three `rows1` calls, each streaming the whole pair: LSTM H 512, batch 3,
    /// 53 us a forward step against batch 1's 24 (RECUR_CPU_PROFILE).
    @inline(never)
    public static func rows3(
        _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) {
        var e0a = F16(), e0b = F16(), e1a = F16(), e1b = F16(), e2a = F16(), e2b = F16()
        var o0a = F16(), o0b = F16(), o1a = F16(), o1b = F16(), o2a = F16(), o2b = F16()
        let a0 = a, a1 = a + lda, a2 = a + 2 * lda
        var pb = b
        var p = 0
        while p + 2 <= k {
            let b0 = load16(pb), b1 = load16(pb + 16), b2 = load16(pb + 32), b3 = load16(pb + 48)
            var av: F16
            av = F16(repeating: a0[p]); e0a = e0a.addingProduct(av, b0); e0b = e0b.addingProduct(av, b1)
            av = F16(repeating: a1[p]); e1a = e1a.addingProduct(av, b0); e1b = e1b.addingProduct(av, b1)
            av = F16(repeating: a2[p]); e2a = e2a.addingProduct(av, b0); e2b = e2b.addingProduct(av, b1)
            av = F16(repeating: a0[p + 1]); o0a = o0a.addingProduct(av, b2); o0b = o0b.addingProduct(av, b3)
            av = F16(repeating: a1[p + 1]); o1a = o1a.addingProduct(av, b2); o1b = o1b.addingProduct(av, b3)
            av = F16(repeating: a2[p + 1]); o2a = o2a.addingProduct(av, b2); o2b = o2b.addingProduct(av, b3)
            pb += 64
            p += 2
        }
        if p < k {
            let b0 = load16(pb), b1 = load16(pb + 16)
            var av: F16
            av = F16(repeating: a0[p]); e0a = e0a.addingProduct(av, b0); e0b = e0b.addingProduct(av, b1)
            av = F16(repeating: a1[p]); e1a = e1a.addingProduct(av, b0); e1b = e1b.addingProduct(av, b1)
            av = F16(repeating: a2[p]); e2a = e2a.addingProduct(av, b0); e2b = e2b.addingProduct(av, b1)
        }
        putRow32(e0a + o0a, e0b + o0b, c, accumulate)
        putRow32(e1a + o1a, e1b + o1b, c + ldc, accumulate)
        putRow32(e2a + o2a, e2b + o2b, c + 2 * ldc, accumulate)
    }

    /// 2 rows: even and odd k in separate accumulators (8 chains), summed at the end (batch 2
    /// otherwise took two `rows1` calls, as batch 3 three: see `rows3`).
    @inline(never)
    public static func rows2(
        _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) {
        var e0a = F16(), e0b = F16(), e1a = F16(), e1b = F16()
        var o0a = F16(), o0b = F16(), o1a = F16(), o1b = F16()
        let a0 = a, a1 = a + lda
        var pb = b
        var p = 0
        while p + 2 <= k {
            let b0 = load16(pb), b1 = load16(pb + 16), b2 = load16(pb + 32), b3 = load16(pb + 48)
            var av: F16
            av = F16(repeating: a0[p]); e0a = e0a.addingProduct(av, b0); e0b = e0b.addingProduct(av, b1)
            av = F16(repeating: a1[p]); e1a = e1a.addingProduct(av, b0); e1b = e1b.addingProduct(av, b1)
            av = F16(repeating: a0[p + 1]); o0a = o0a.addingProduct(av, b2); o0b = o0b.addingProduct(av, b3)
            av = F16(repeating: a1[p + 1]); o1a = o1a.addingProduct(av, b2); o1b = o1b.addingProduct(av, b3)
            pb += 64
            p += 2
        }
        if p < k {
            let b0 = load16(pb), b1 = load16(pb + 16)
            var av: F16
            av = F16(repeating: a0[p]); e0a = e0a.addingProduct(av, b0); e0b = e0b.addingProduct(av, b1)
            av = F16(repeating: a1[p]); e1a = e1a.addingProduct(av, b0); e1b = e1b.addingProduct(av, b1)
        }
        putRow32(e0a + o0a, e0b + o0b, c, accumulate)
        putRow32(e1a + o1a, e1b + o1b, c + ldc, accumulate)
    }

    /// 1 row (batch 1: a matrix-vector product, bound by streaming the panels from cache): k in
    /// four interleaved accumulator pairs, as the 8-lane `rows1`, on 16 lanes.
    @inline(never)
    public static func rows1(
        _ k: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
        _ c: UnsafeMutablePointer<Float>, _ accumulate: Bool
    ) {
        var s0 = F16(), s1 = F16(), t0 = F16(), t1 = F16(), u0 = F16(), u1 = F16(), v0 = F16(), v1 = F16()
        var pb = b
        var p = 0
        while p + 4 <= k {
            var av = F16(repeating: a[p])
            s0 = s0.addingProduct(av, load16(pb)); s1 = s1.addingProduct(av, load16(pb + 16))
            av = F16(repeating: a[p + 1])
            t0 = t0.addingProduct(av, load16(pb + 32)); t1 = t1.addingProduct(av, load16(pb + 48))
            av = F16(repeating: a[p + 2])
            u0 = u0.addingProduct(av, load16(pb + 64)); u1 = u1.addingProduct(av, load16(pb + 80))
            av = F16(repeating: a[p + 3])
            v0 = v0.addingProduct(av, load16(pb + 96)); v1 = v1.addingProduct(av, load16(pb + 112))
            pb += 128
            p += 4
        }
        while p < k {
            let av = F16(repeating: a[p])
            s0 = s0.addingProduct(av, load16(pb)); s1 = s1.addingProduct(av, load16(pb + 16))
            pb += 32
            p += 1
        }
        putRow32((s0 + t0) + (u0 + v0), (s1 + t1) + (u1 + v1), c, accumulate)
    }
}

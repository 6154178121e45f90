import RecurAVX512

/// Register-blocked kernels for the recurrent time loop: C (r x 16) = A (r x K) * panel (K x 16),
/// with A read straight from its row-major storage and the panel packed once per sequence
/// (`packB`'s layout: `panel[p * 16 + j]`). C is overwritten.
///
/// Why not the blocked GEMM: inside the time loop A is the state of one step (B x H) or its gate
/// gradients, used once, so packing it costs as much as it saves; the weight panels are what stay
/// in cache from step to step. Rows come 6 at a time (12 accumulators, as `sgemmMicroKernel6x16`),
/// and the remainder in one call of 1 to 5 rows, those below 4 with k unrolled so that 8 or more
/// FMA chains stay in flight (the 512-bit pairs: 12 and 8, then one call of 1 to 7).
enum RowPanelKernels {
    /// The pass depth whose slice of a pair of panels (depth x 32 floats) fills `l1Data` bytes:
    /// 256 on the 32 KiB L1d it was measured on (below). Unlike the GEMM's KC (`GEMMBlocking`),
    /// which streams its panels from L2, the slice must stay in L1: these kernels use each panel
    /// value for at most 6 rows where the GEMM's tile uses it for 12.
    static func depth(l1Data: Int) -> Int {
        min(max(l1Data / (32 * MemoryLayout<Float>.size) / 16 * 16, 64), 1024)
    }

    /// C (rows x 16*panels) = A (rows x k, row-major) * [panel 0 | panel 1 | ...], each panel
    /// k x 16 at `panels + q * k * 16`, laid out by `pack`. C is overwritten. With `.avx512`
    /// kernels, pairs of panels go through the 512-bit kernels.
    ///
    /// `depth` is one pass over K (`depth(l1Data:)`): a depth x 32 slice of a pair of panels stays
    /// in L1 while every row block of A streams past it. Without passes a panel deeper than L1 (the
    /// backward's G*H x 16: 128 KiB for lstm-medium) came from L2 once per 6 rows, as many bytes as
    /// FMAs could use. One row (batch 1) has no row blocks to share a slice: it reads the whole
    /// depth at once, so that the panels, which lie one after the other, are one sequential stream.
    /// Passes of 256 jumped 16*k floats between 32 KiB runs, and the batch-1 backward (k = G*H)
    /// streamed its panels at about 2/3 of the forward's rate (perf, lstm-b1: 3.6 against 2.4 us a step).
    static func product(
        rows: Int, k: Int, a: UnsafePointer<Float>, lda: Int, panels: UnsafePointer<Float>, count: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, kernels: CPUKernels, depth: Int
    ) {
        let pairs = kernels == .avx512 ? count / 2 : 0
        let passDepth = rows == 1 ? k : depth
        // Panel by panel, and pass by pass within a panel: the panels are then read in the order
        // they lie, one sequential stream the prefetchers follow. Passes outside the panels jumped
        // a whole panel (k x 32 floats) between 32 KiB slices, and when the panels live in L3
        // (lstm-large: 8 MiB a thread) the product ran at ~65% of the FMA peak.
        // The passes over k: (first step, steps); the first pass overwrites C, later ones add to it.
        @inline(__always)
        func forEachPass(_ body: (_ p0: Int, _ kc: Int) -> Void) {
            var p0 = 0
            repeat {
                let kc = min(passDepth, k - p0)
                body(p0, kc)
                p0 += kc
            } while p0 < k
        }
        for pair in 0..<pairs {
            let q = 2 * pair
            forEachPass { p0, kc in
                multiplyPair(rows: rows, k: kc, a: a + p0, lda: lda, pair: panels + q * k * 16 + p0 * 32,
                             c: c + q * 16, ldc: ldc, accumulate: p0 > 0)
            }
        }
        for q in 2 * pairs..<count {
            forEachPass { p0, kc in
                multiply(rows: rows, k: kc, a: a + p0, lda: lda, panel: panels + q * k * 16 + p0 * 16,
                         c: c + q * 16, ldc: ldc, accumulate: p0 > 0)
            }
        }
    }

    /// Packs `count` panels of op(B) (k x 16 each, zero-padded past `width`) for `product`: panel q
    /// holds op(B)[0 ..< k, column(q).start ..< + width]. With `.avx512` kernels each pair of panels
    /// is written interleaved, `pair[p * 32 + j]` (a last odd panel, and every panel for the 8-lane
    /// kernels, as `packB` lays them out); a pair keeps its two panels' place, `panels + q * k * 16`.
    /// Written straight from B: packing first and interleaving after took a temporary and a second
    /// pass over the panels, per time loop and thread (batch 1: 512 KiB of them a thread for H = 256).
    static func pack(
        count: Int, k: Int, transB: Bool, _ b: UnsafePointer<Float>, ldb: Int, kernels: CPUKernels,
        into panels: UnsafeMutablePointer<Float>, keep: SIMD8<UInt32>, part: (index: Int, of: Int) = (0, 1),
        column: (Int) -> (start: Int, width: Int)
    ) {
        let paired = kernels == .avx512 ? count / 2 * 2 : 0
        for q in 0..<count {
            // Part i of n packs every n-th pair (or lone panel) from the i-th: a team shares the work.
            let slot = q < paired ? q / 2 : paired / 2 + q - paired
            guard slot % part.of == part.index else { continue }
            let (start, width) = column(q)
            let interleaved = q < paired
            let dst = interleaved ? panels + q / 2 * k * 32 + q % 2 * 16 : panels + q * k * 16
            packB(transB: transB, b, ldb: ldb, p0: 0, kc: k, j0: start, nc: width, into: dst,
                  rowStride: interleaved ? 32 : 16, keep: keep)
        }
    }

    /// How `multiplyPair` cuts `rows` into calls of its kernels: 12-row blocks, then 8, then one
    /// call for the last 1 to 7 rows. Every call reads the whole pair, so the row count decides
    /// how often it is streamed: before the 2-, 3-, 5-, 6- and 7-row kernels, a batch of 3 took
    /// three single rows and a batch of 7 four calls, and LSTM H 512, batch 3 ran a forward
    /// step's product in 53 us against batch 1's 24 (30 with `rows3`; RECUR_CPU_PROFILE).
    static func pairBlocks(rows: Int) -> (twelves: Int, eights: Int, tail: Int) {
        // 12 + 4 rows as 8 + 8: an 8-row call reads the pair for 16 FMAs a k step, a 4-row one for 8.
        let twelves = rows % 12 == 4 && rows >= 16 ? rows / 12 - 1 : rows / 12
        let left = rows - 12 * twelves
        return (twelves, left / 8, left % 8)
    }

    /// C[0..<rows, 0..<32] (+)= A[0..<rows, 0..<k] * pair (k x 32, interleaved by `pack`) with
    /// the 512-bit kernels, in `pairBlocks`.
    @inline(__always)
    static func multiplyPair(
        rows: Int, k: Int, a: UnsafePointer<Float>, lda: Int, pair: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
    ) {
        let blocks = pairBlocks(rows: rows)
        var i = 0
        for _ in 0..<blocks.twelves {
            AVX512RowPanels.rows12(k, a + i * lda, lda, pair, c + i * ldc, ldc, accumulate)
            i += 12
        }
        for _ in 0..<blocks.eights {
            AVX512RowPanels.rows8(k, a + i * lda, lda, pair, c + i * ldc, ldc, accumulate)
            i += 8
        }
        let (a, c) = (a + i * lda, c + i * ldc)
        switch blocks.tail {
        case 7: AVX512RowPanels.rows7(k, a, lda, pair, c, ldc, accumulate)
        case 6: AVX512RowPanels.rows6(k, a, lda, pair, c, ldc, accumulate)
        case 5: AVX512RowPanels.rows5(k, a, lda, pair, c, ldc, accumulate)
        case 4: AVX512RowPanels.rows4(k, a, lda, pair, c, ldc, accumulate)
        case 3: AVX512RowPanels.rows3(k, a, lda, pair, c, ldc, accumulate)
        case 2: AVX512RowPanels.rows2(k, a, lda, pair, c, ldc, accumulate)
        case 1: AVX512RowPanels.rows1(k, a, pair, c, accumulate)
        default: break
        }
    }

    /// How `multiply` cuts `rows` into calls of the 8-lane kernels: 6-row blocks, then one call
    /// for the last 1 to 5 rows.
    static func panelBlocks(rows: Int) -> (sixes: Int, tail: Int) {
        (rows / 6, rows % 6)
    }

    /// C[0..<rows, 0..<16] (+)= A[0..<rows, 0..<k] * panel, in `panelBlocks`.
    @inline(__always)
    static func multiply(
        rows: Int, k: Int, a: UnsafePointer<Float>, lda: Int, panel: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
    ) {
        let blocks = panelBlocks(rows: rows)
        var i = 0
        for _ in 0..<blocks.sixes {
            rows6(k, a + i * lda, lda, panel, c + i * ldc, ldc, accumulate)
            i += 6
        }
        let (a, c) = (a + i * lda, c + i * ldc)
        switch blocks.tail {
        case 5: rows5(k, a, lda, panel, c, ldc, accumulate)
        case 4: rows4(k, a, lda, panel, c, ldc, accumulate)
        case 3: rows3(k, a, lda, panel, c, ldc, accumulate)
        case 2: rows2(k, a, lda, panel, c, ldc, accumulate)
        case 1: rows1(k, a, panel, c, accumulate)
        default: break
        }
    }

    /// Stores one 8-wide accumulator, adding what C holds when accumulating.
    @_transparent
    static func put(_ v: F8, _ c: UnsafeMutablePointer<Float>, _ accumulate: Bool) {
        store8(accumulate ? v + load8(c) : v, c)
    }

    @inline(never)
    static func rows6(
        _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
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
        put(c00, c, accumulate); put(c01, c + 8, accumulate)
        put(c10, c + ldc, accumulate); put(c11, c + ldc + 8, accumulate)
        put(c20, c + 2 * ldc, accumulate); put(c21, c + 2 * ldc + 8, accumulate)
        put(c30, c + 3 * ldc, accumulate); put(c31, c + 3 * ldc + 8, accumulate)
        put(c40, c + 4 * ldc, accumulate); put(c41, c + 4 * ldc + 8, accumulate)
        put(c50, c + 5 * ldc, accumulate); put(c51, c + 5 * ldc + 8, accumulate)
    }

    /// 5 rows: 10 accumulators (13 of the 16 ymm registers with the panel and a broadcast), one
    /// pass over the panel where 4 + 1 rows took two.
    @inline(never)
    static func rows5(
        _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) {
        var c00 = F8(), c01 = F8(), c10 = F8(), c11 = F8(), c20 = F8(), c21 = F8()
        var c30 = F8(), c31 = F8(), c40 = F8(), c41 = F8()
        let a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda, a4 = a + 4 * lda
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
            pb += 16
        }
        put(c00, c, accumulate); put(c01, c + 8, accumulate)
        put(c10, c + ldc, accumulate); put(c11, c + ldc + 8, accumulate)
        put(c20, c + 2 * ldc, accumulate); put(c21, c + 2 * ldc + 8, accumulate)
        put(c30, c + 3 * ldc, accumulate); put(c31, c + 3 * ldc + 8, accumulate)
        put(c40, c + 4 * ldc, accumulate); put(c41, c + 4 * ldc + 8, accumulate)
    }

    /// 4 rows: 8 accumulators, already 8 independent chains.
    @inline(never)
    static func rows4(
        _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
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
        put(c00, c, accumulate); put(c01, c + 8, accumulate)
        put(c10, c + ldc, accumulate); put(c11, c + ldc + 8, accumulate)
        put(c20, c + 2 * ldc, accumulate); put(c21, c + 2 * ldc + 8, accumulate)
        put(c30, c + 3 * ldc, accumulate); put(c31, c + 3 * ldc + 8, accumulate)
    }

    /// 3 rows: even and odd k in separate accumulators (12 chains), summed at the end: one pass
    /// over the panel where 2 + 1 rows took two.
    @inline(never)
    static func rows3(
        _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) {
        var e00 = F8(), e01 = F8(), e10 = F8(), e11 = F8(), e20 = F8(), e21 = F8()
        var o00 = F8(), o01 = F8(), o10 = F8(), o11 = F8(), o20 = F8(), o21 = F8()
        let a0 = a, a1 = a + lda, a2 = a + 2 * lda
        var pb = b
        var p = 0
        while p + 2 <= k {
            // Even k, then odd k: two vectors of the panel live at a time (16 ymm registers).
            var b0 = load8(pb), b1 = load8(pb + 8)
            var av = F8(repeating: a0[p])
            e00 = e00.addingProduct(av, b0); e01 = e01.addingProduct(av, b1)
            av = F8(repeating: a1[p])
            e10 = e10.addingProduct(av, b0); e11 = e11.addingProduct(av, b1)
            av = F8(repeating: a2[p])
            e20 = e20.addingProduct(av, b0); e21 = e21.addingProduct(av, b1)
            b0 = load8(pb + 16); b1 = load8(pb + 24)
            av = F8(repeating: a0[p + 1])
            o00 = o00.addingProduct(av, b0); o01 = o01.addingProduct(av, b1)
            av = F8(repeating: a1[p + 1])
            o10 = o10.addingProduct(av, b0); o11 = o11.addingProduct(av, b1)
            av = F8(repeating: a2[p + 1])
            o20 = o20.addingProduct(av, b0); o21 = o21.addingProduct(av, b1)
            pb += 32
            p += 2
        }
        if p < k {
            let b0 = load8(pb), b1 = load8(pb + 8)
            var av = F8(repeating: a0[p])
            e00 = e00.addingProduct(av, b0); e01 = e01.addingProduct(av, b1)
            av = F8(repeating: a1[p])
            e10 = e10.addingProduct(av, b0); e11 = e11.addingProduct(av, b1)
            av = F8(repeating: a2[p])
            e20 = e20.addingProduct(av, b0); e21 = e21.addingProduct(av, b1)
        }
        put(e00 + o00, c, accumulate); put(e01 + o01, c + 8, accumulate)
        put(e10 + o10, c + ldc, accumulate); put(e11 + o11, c + ldc + 8, accumulate)
        put(e20 + o20, c + 2 * ldc, accumulate); put(e21 + o21, c + 2 * ldc + 8, accumulate)
    }

    /// 2 rows: even and odd k in separate accumulators (8 chains), summed at the end.
    @inline(never)
    static func rows2(
        _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
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
        put(e00 + o00, c, accumulate); put(e01 + o01, c + 8, accumulate)
        put(e10 + o10, c + ldc, accumulate); put(e11 + o11, c + ldc + 8, accumulate)
    }

    /// 1 row (batch 1: a matrix-vector product): k in four interleaved accumulator pairs.
    @inline(never)
    static func rows1(
        _ k: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
        _ accumulate: Bool
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
        put((s0 + t0) + (u0 + v0), c, accumulate)
        put((s1 + t1) + (u1 + v1), c + 8, accumulate)
    }
}

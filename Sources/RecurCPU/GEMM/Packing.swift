/// Packing: copies a block of op(A) or op(B) into the panel layout the micro-kernel streams through.
///
/// Transposes are handled here by reading the stored matrix through a strided view, never by a
/// separate transpose of the whole matrix. When the panel layout runs across the stored rows (A not
/// transposed, B transposed) blocks of 8 x 8 are transposed in registers.
///
/// Partial panels (fewer than 6 rows of A or 16 columns of B) are padded with zeros, so the
/// micro-kernel always runs full; the driver discards the padding's results.

/// Packs op(A)[i0 ..< i0+mc, p0 ..< p0+kc] into `dst` as ceil(mc / 6) panels of kc x 6:
/// `dst[panel * kc * 6 + p * 6 + r] = op(A)(i0 + panel * 6 + r, p0 + p)`.
///
/// op(A)(i, p) = a[i * lda + p] when !transA, a[p * lda + i] when transA. `m` is the full row count
/// of op(A): reads never go past it. `dst` needs 8 floats of slack past its last panel (vector
/// stores here may run 2 floats over; later stores, or nothing, use that space).
func packA(
    transA: Bool, _ a: UnsafePointer<Float>, lda: Int, m: Int,
    i0: Int, mc: Int, p0: Int, kc: Int, into dst: UnsafeMutablePointer<Float>, keep: SIMD8<UInt32>
) {
    if transA {
        packATransposed(a, lda: lda, m: m, i0: i0, mc: mc, p0: p0, kc: kc, into: dst)
    } else {
        packARows(a, lda: lda, i0: i0, mc: mc, p0: p0, kc: kc, into: dst, keep: keep)
    }
}

/// packA for op(A) = A^T: op(A)(i, p) = a[p * lda + i], so k step p of every panel lies in stored
/// row p, mc contiguous floats.
///
/// The loop runs k-major: each stored row's mc floats (a few cache lines) are read once, in order,
/// and dealt out to the panels. Panel-major order would walk 6 floats down each of kc rows lda
/// apart and come back for the next 6, relying on those kc lines staying cached in between; with
/// lda a multiple of 1 KiB they share few L1 sets. On the weight-gradient shape (A^T streamed from
/// memory) k-major was a few percent faster overall; in cache the two orders are even.
private func packATransposed(
    _ a: UnsafePointer<Float>, lda: Int, m: Int,
    i0: Int, mc: Int, p0: Int, kc: Int, into dst: UnsafeMutablePointer<Float>
) {
    let panels = (mc + gemmMR - 1) / gemmMR
    let panelStride = kc * gemmMR
    // Full panels whose 8-float read stays inside op(A)'s m columns of the stored row.
    let wide = m - i0 >= 8 ? min(mc / gemmMR, (m - i0 - 8) / gemmMR + 1) : 0
    for p in 0..<kc {
        let src = a + (p0 + p) * lda + i0
        let d = dst + p * gemmMR
        var ir = 0
        if p + 1 < kc {
            // 8-wide copies: the 2 extra floats land in k step p+1 of the same panel, written later.
            while ir < wide {
                store8(load8(src + ir * gemmMR), d + ir * panelStride)
                ir += 1
            }
        }
        while ir < panels {
            let rows = min(gemmMR, mc - ir * gemmMR)
            let s = src + ir * gemmMR
            let dp = d + ir * panelStride
            for r in 0..<rows { dp[r] = s[r] }
            for r in rows..<gemmMR { dp[r] = 0 }
            ir += 1
        }
    }
}

/// packA for op(A) = A: 6 stored rows per panel, each contiguous in k.
private func packARows(
    _ a: UnsafePointer<Float>, lda: Int,
    i0: Int, mc: Int, p0: Int, kc: Int, into dst: UnsafeMutablePointer<Float>, keep: SIMD8<UInt32>
) {
    var ir = 0
    var d = dst
    while ir < mc {
        let rows = min(gemmMR, mc - ir)
        let i = i0 + ir
        if rows == gemmMR {
            // Transpose 8 k steps at a time.
            let s0 = a + i * lda + p0
            let s1 = s0 + lda, s2 = s1 + lda, s3 = s2 + lda, s4 = s3 + lda, s5 = s4 + lda
            var p = 0
            while p + 8 <= kc {
                var x0 = load8(s0 + p), x1 = load8(s1 + p), x2 = load8(s2 + p)
                var x3 = load8(s3 + p), x4 = load8(s4 + p), x5 = load8(s5 + p)
                var x6 = x5, x7 = x5  // filler: lanes 6 and 7 of each column are discarded
                transpose8x8(&x0, &x1, &x2, &x3, &x4, &x5, &x6, &x7, keep: keep)
                // Column q goes to d[(p+q)*6 ..< +6]; the 2 filler lanes land where column q+1
                // (or the tail, or the next panel) is written afterwards.
                let dp = d + p * gemmMR
                store8(x0, dp)
                store8(x1, dp + 6)
                store8(x2, dp + 12)
                store8(x3, dp + 18)
                store8(x4, dp + 24)
                store8(x5, dp + 30)
                store8(x6, dp + 36)
                store8(x7, dp + 42)
                p += 8
            }
            while p < kc {
                let dp = d + p * gemmMR
                dp[0] = s0[p]; dp[1] = s1[p]; dp[2] = s2[p]
                dp[3] = s3[p]; dp[4] = s4[p]; dp[5] = s5[p]
                p += 1
            }
        } else {
            for r in 0..<gemmMR {
                if r < rows {
                    let s = a + (i + r) * lda + p0
                    for p in 0..<kc { d[p * gemmMR + r] = s[p] }
                } else {
                    for p in 0..<kc { d[p * gemmMR + r] = 0 }
                }
            }
        }
        d += kc * gemmMR
        ir += gemmMR
    }
}

/// Packs op(B)[p0 ..< p0+kc, j0 ..< j0+nc] into `dst` as ceil(nc / 16) panels of kc x 16:
/// `dst[panel * kc * 16 + p * rowStride + j] = op(B)(p0 + p, j0 + panel * 16 + j)`.
///
/// op(B)(p, j) = b[p * ldb + j] when !transB, b[j * ldb + p] when transB. `rowStride` is 16, or 32
/// to write one half of the time loop's interleaved panel pairs (`RowPanelKernels.pack`; one panel
/// per call then: nc <= 16).
func packB(
    transB: Bool, _ b: UnsafePointer<Float>, ldb: Int,
    p0: Int, kc: Int, j0: Int, nc: Int, into dst: UnsafeMutablePointer<Float>, rowStride: Int = gemmNR,
    keep: SIMD8<UInt32>
) {
    precondition(rowStride == gemmNR || nc <= gemmNR, "packB: a row stride other than 16 packs one panel")
    var jr = 0
    var d = dst
    while jr < nc {
        let cols = min(gemmNR, nc - jr)
        let j = j0 + jr
        if !transB {
            // Each k step is 16 contiguous floats of one stored row.
            var src = b + p0 * ldb + j
            if cols == gemmNR {
                for p in 0..<kc {
                    let dp = d + p * rowStride
                    store8(load8(src), dp)
                    store8(load8(src + 8), dp + 8)
                    src += ldb
                }
            } else {
                for p in 0..<kc {
                    let dp = d + p * rowStride
                    for c in 0..<cols { dp[c] = src[c] }
                    for c in cols..<gemmNR { dp[c] = 0 }
                    src += ldb
                }
            }
        } else if cols == gemmNR {
            // 16 stored rows (the columns of op(B)), each contiguous in k: two 8 x 8 transposes
            // per 8 k steps.
            let s = b + j * ldb + p0
            var p = 0
            while p + 8 <= kc {
                for half in 0..<2 {
                    let sh = s + half * 8 * ldb + p
                    var x0 = load8(sh), x1 = load8(sh + ldb)
                    var x2 = load8(sh + 2 * ldb), x3 = load8(sh + 3 * ldb)
                    var x4 = load8(sh + 4 * ldb), x5 = load8(sh + 5 * ldb)
                    var x6 = load8(sh + 6 * ldb), x7 = load8(sh + 7 * ldb)
                    transpose8x8(&x0, &x1, &x2, &x3, &x4, &x5, &x6, &x7, keep: keep)
                    let dp = d + p * rowStride + half * 8
                    store8(x0, dp)
                    store8(x1, dp + rowStride)
                    store8(x2, dp + 2 * rowStride)
                    store8(x3, dp + 3 * rowStride)
                    store8(x4, dp + 4 * rowStride)
                    store8(x5, dp + 5 * rowStride)
                    store8(x6, dp + 6 * rowStride)
                    store8(x7, dp + 7 * rowStride)
                }
                p += 8
            }
            while p < kc {
                let dp = d + p * rowStride
                for c in 0..<gemmNR { dp[c] = s[c * ldb + p] }
                p += 1
            }
        } else {
            for c in 0..<gemmNR {
                if c < cols {
                    let s = b + (j + c) * ldb + p0
                    for p in 0..<kc { d[p * rowStride + c] = s[p] }
                } else {
                    for p in 0..<kc { d[p * rowStride + c] = 0 }
                }
            }
        }
        d += kc * gemmNR
        jr += gemmNR
    }
}

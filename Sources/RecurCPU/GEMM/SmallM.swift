/// GEMM with very few rows of C (small batches): C (m x n) = alpha * op(A) (m x k) * op(B) (k x n)
/// + beta * C, for the m that `isFaster` admits.
///
/// Like the GEMV it reads op(B) straight from its storage: packing B for the blocked GEMM costs about
/// as much as multiplying it by a handful of rows. Unlike m GEMVs it reads B once per pair of rows
/// of A and (in the dot form) keeps the block of B it is working on in L1 for the other pairs.
enum CPUGemmSmallM {
    /// Whether this path beats the packed GEMM for m rows of C. Measured on n x k = 2048 x 512, one
    /// thread: with op(B) = B^T (the dot form) it ran at 2-4x the packed GEMM's rate for m <= 4 and
    /// still ~1.2x at m = 16; with op(B) = B (the column form) it was 2x ahead at m = 2, even at
    /// m = 4, and the packed GEMM was ~1.4x faster from m = 6 on.
    static func isFaster(m: Int, transB: Bool) -> Bool {
        m >= 2 && m <= (transB ? 16 : 4)
    }

    static func sgemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, pool: ThreadPool
    ) {
        if transA {
            // op(A) rows are columns of the stored A: gather them once (m x k, small).
            withUnsafeTemporaryAllocation(of: Float.self, capacity: m * k) { buffer in
                let rows = buffer.baseAddress!
                for p in 0..<k {
                    let src = a + p * lda
                    for i in 0..<m { rows[i * k + p] = src[i] }
                }
                sgemm(transA: false, transB: transB, m: m, n: n, k: k, alpha: alpha,
                      a: rows, lda: k, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, pool: pool)
            }
            return
        }
        let threads = m * n * k < CPUGemv.parallelMinWork ? 1 : pool.threadCount
        // Independent column ranges of C per task; multiples of 32 keep the kernels' blocks whole.
        let chunk = threads == 1 ? n : evenSplit(n, parts: threads * 2, multiple: 32)
        let tasks = (n + chunk - 1) / chunk
        pool.parallelFor(tasks) { t in
            let j0 = t * chunk
            let cols = j0..<min(n, j0 + chunk)
            if transB {
                dotForm(cols, m: m, k: k, alpha: alpha, a: a, lda: lda, w: b, ldw: ldb, beta: beta, c: c, ldc: ldc)
            } else {
                axpyForm(cols, m: m, k: k, alpha: alpha, a: a, lda: lda, w: b, ldw: ldb, beta: beta, c: c, ldc: ldc)
            }
        }
    }

    /// C[:, cols] for W = op(B)^T stored n x k (transB): C[i, j] = dot(A row i, W row j).
    /// Blocks of 4 rows of W, each used by every row of A while it is in L1.
    private static func dotForm(
        _ cols: Range<Int>, m: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
        w: UnsafePointer<Float>, ldw: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        var j = cols.lowerBound
        while j + 4 <= cols.upperBound {
            var i = 0
            while i + 2 <= m {
                dot2x4(j, k: k, alpha: alpha, a0: a + i * lda, a1: a + (i + 1) * lda, w: w, ldw: ldw,
                       beta: beta, c0: c + i * ldc, c1: c + (i + 1) * ldc)
                i += 2
            }
            if i < m {
                CPUGemv.dotRows(j..<(j + 4), k: k, alpha: alpha, matrix: w, ld: ldw, x: a + i * lda,
                                beta: beta, y: c + i * ldc)
            }
            j += 4
        }
        if j < cols.upperBound {
            for i in 0..<m {
                CPUGemv.dotRows(j..<cols.upperBound, k: k, alpha: alpha, matrix: w, ld: ldw,
                                x: a + i * lda, beta: beta, y: c + i * ldc)
            }
        }
    }

    /// C[:, cols] for W = op(B) stored k x n (!transB): C[i, j] = sum_p A[i, p] * W[p, j].
    /// Chunks of 32 columns; every row of A sweeps the chunk while it is in L2.
    private static func axpyForm(
        _ cols: Range<Int>, m: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
        w: UnsafePointer<Float>, ldw: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        var j = cols.lowerBound
        while j + 32 <= cols.upperBound {
            var i = 0
            while i + 2 <= m {
                axpy2x32(j, k: k, alpha: alpha, a0: a + i * lda, a1: a + (i + 1) * lda, w: w, ldw: ldw,
                         beta: beta, c0: c + i * ldc, c1: c + (i + 1) * ldc)
                i += 2
            }
            if i < m {
                axpy1x32(j, k: k, alpha: alpha, a0: a + i * lda, w: w, ldw: ldw, beta: beta, c0: c + i * ldc)
            }
            j += 32
        }
        if j < cols.upperBound {
            for i in 0..<m {
                CPUGemv.axpyColumns(j..<cols.upperBound, k: k, alpha: alpha, matrix: w, ld: ldw,
                                    x: a + i * lda, beta: beta, y: c + i * ldc)
            }
        }
    }

    @_transparent
    private static func finish(_ sum: Float, _ alpha: Float, _ beta: Float, _ out: UnsafeMutablePointer<Float>) {
        out.pointee = beta == 0 ? alpha * sum : alpha * sum + beta * out.pointee
    }

    /// c0[j ..< j+4], c1[j ..< j+4]: dot products of two rows of A (a0, a1: k contiguous floats)
    /// with rows j ..< j+4 of W (w + j * ldw, k contiguous floats each). 8 accumulators, 6 loads
    /// per 8 FMAs.
    @inline(never)
    private static func dot2x4(
        _ j: Int, k: Int, alpha: Float, a0: UnsafePointer<Float>, a1: UnsafePointer<Float>,
        w: UnsafePointer<Float>, ldw: Int, beta: Float,
        c0: UnsafeMutablePointer<Float>, c1: UnsafeMutablePointer<Float>
    ) {
        let w0 = w + j * ldw, w1 = w0 + ldw, w2 = w1 + ldw, w3 = w2 + ldw
        var s00 = F8(), s01 = F8(), s02 = F8(), s03 = F8()
        var s10 = F8(), s11 = F8(), s12 = F8(), s13 = F8()
        var p = 0
        while p + 8 <= k {
            let x0 = load8(a0 + p), x1 = load8(a1 + p)
            var wv = load8(w0 + p)
            s00 = s00.addingProduct(x0, wv); s10 = s10.addingProduct(x1, wv)
            wv = load8(w1 + p)
            s01 = s01.addingProduct(x0, wv); s11 = s11.addingProduct(x1, wv)
            wv = load8(w2 + p)
            s02 = s02.addingProduct(x0, wv); s12 = s12.addingProduct(x1, wv)
            wv = load8(w3 + p)
            s03 = s03.addingProduct(x0, wv); s13 = s13.addingProduct(x1, wv)
            p += 8
        }
        var r00 = s00.sum(), r01 = s01.sum(), r02 = s02.sum(), r03 = s03.sum()
        var r10 = s10.sum(), r11 = s11.sum(), r12 = s12.sum(), r13 = s13.sum()
        while p < k {
            let x0 = a0[p], x1 = a1[p]
            r00 += x0 * w0[p]; r10 += x1 * w0[p]
            r01 += x0 * w1[p]; r11 += x1 * w1[p]
            r02 += x0 * w2[p]; r12 += x1 * w2[p]
            r03 += x0 * w3[p]; r13 += x1 * w3[p]
            p += 1
        }
        finish(r00, alpha, beta, c0 + j); finish(r01, alpha, beta, c0 + j + 1)
        finish(r02, alpha, beta, c0 + j + 2); finish(r03, alpha, beta, c0 + j + 3)
        finish(r10, alpha, beta, c1 + j); finish(r11, alpha, beta, c1 + j + 1)
        finish(r12, alpha, beta, c1 + j + 2); finish(r13, alpha, beta, c1 + j + 3)
    }

    /// c0[j ..< j+32], c1[j ..< j+32]: sum over p of a0[p] (a1[p]) * w[p * ldw + j ...], W's row
    /// p contiguous in j. 8 accumulators, 4 loads and 2 broadcasts per 8 FMAs.
    @inline(never)
    private static func axpy2x32(
        _ j: Int, k: Int, alpha: Float, a0: UnsafePointer<Float>, a1: UnsafePointer<Float>,
        w: UnsafePointer<Float>, ldw: Int, beta: Float,
        c0: UnsafeMutablePointer<Float>, c1: UnsafeMutablePointer<Float>
    ) {
        var s00 = F8(), s01 = F8(), s02 = F8(), s03 = F8()
        var s10 = F8(), s11 = F8(), s12 = F8(), s13 = F8()
        var row = w + j
        for p in 0..<k {
            let x0 = F8(repeating: a0[p]), x1 = F8(repeating: a1[p])
            var wv = load8(row)
            s00 = s00.addingProduct(x0, wv); s10 = s10.addingProduct(x1, wv)
            wv = load8(row + 8)
            s01 = s01.addingProduct(x0, wv); s11 = s11.addingProduct(x1, wv)
            wv = load8(row + 16)
            s02 = s02.addingProduct(x0, wv); s12 = s12.addingProduct(x1, wv)
            wv = load8(row + 24)
            s03 = s03.addingProduct(x0, wv); s13 = s13.addingProduct(x1, wv)
            row += ldw
        }
        finish8(s00, alpha, beta, c0 + j); finish8(s01, alpha, beta, c0 + j + 8)
        finish8(s02, alpha, beta, c0 + j + 16); finish8(s03, alpha, beta, c0 + j + 24)
        finish8(s10, alpha, beta, c1 + j); finish8(s11, alpha, beta, c1 + j + 8)
        finish8(s12, alpha, beta, c1 + j + 16); finish8(s13, alpha, beta, c1 + j + 24)
    }

    /// c0[j ..< j+32] for one row of A: even and odd k steps in separate accumulators (8 chains).
    @inline(never)
    private static func axpy1x32(
        _ j: Int, k: Int, alpha: Float, a0: UnsafePointer<Float>,
        w: UnsafePointer<Float>, ldw: Int, beta: Float, c0: UnsafeMutablePointer<Float>
    ) {
        var e0 = F8(), e1 = F8(), e2 = F8(), e3 = F8()
        var o0 = F8(), o1 = F8(), o2 = F8(), o3 = F8()
        var row = w + j
        var p = 0
        while p + 2 <= k {
            let xe = F8(repeating: a0[p]), xo = F8(repeating: a0[p + 1])
            let next = row + ldw
            e0 = e0.addingProduct(xe, load8(row)); o0 = o0.addingProduct(xo, load8(next))
            e1 = e1.addingProduct(xe, load8(row + 8)); o1 = o1.addingProduct(xo, load8(next + 8))
            e2 = e2.addingProduct(xe, load8(row + 16)); o2 = o2.addingProduct(xo, load8(next + 16))
            e3 = e3.addingProduct(xe, load8(row + 24)); o3 = o3.addingProduct(xo, load8(next + 24))
            row += 2 * ldw
            p += 2
        }
        if p < k {
            let xe = F8(repeating: a0[p])
            e0 = e0.addingProduct(xe, load8(row)); e1 = e1.addingProduct(xe, load8(row + 8))
            e2 = e2.addingProduct(xe, load8(row + 16)); e3 = e3.addingProduct(xe, load8(row + 24))
        }
        finish8(e0 + o0, alpha, beta, c0 + j); finish8(e1 + o1, alpha, beta, c0 + j + 8)
        finish8(e2 + o2, alpha, beta, c0 + j + 16); finish8(e3 + o3, alpha, beta, c0 + j + 24)
    }

    @_transparent
    private static func finish8(_ sum: F8, _ alpha: Float, _ beta: Float, _ out: UnsafeMutablePointer<Float>) {
        store8(beta == 0 ? sum * alpha : (sum * alpha).addingProduct(beta, load8(out)), out)
    }
}

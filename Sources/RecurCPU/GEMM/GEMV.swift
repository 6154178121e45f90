/// Matrix-vector products for GEMMs with one row or one column of C (batch 1).
///
/// Packing makes no sense here: every matrix element is used once, so the time is the time to read
/// the matrix (2 flops per 4 bytes; ~35 GFLOP/s per core from L3 here, where a packed GEMM managed
/// 5-9). These kernels read the matrix straight from its storage with wide loads instead.
enum CPUGemv {
    /// Below this many multiply-adds a GEMV stays on the calling thread.
    static let parallelMinWork = 1 << 15

    /// y[j * incy] = alpha * sum_p M(j, p) * x[p * incx] + beta * y[j * incy], j in 0..<rows,
    /// with M(j, p) = matrix[j * ld + p] when `dotForm` (each output a dot product of a contiguous
    /// row) or matrix[p * ld + j] otherwise (each output column accumulated over contiguous rows).
    /// beta == 0 ignores y's prior contents.
    static func sgemv(
        rows: Int, k: Int, alpha: Float, matrix: UnsafePointer<Float>, ld: Int, dotForm: Bool,
        x: UnsafePointer<Float>, incx: Int, beta: Float, y: UnsafeMutablePointer<Float>, incy: Int,
        pool: ThreadPool
    ) {
        if incx != 1 {
            withUnsafeTemporaryAllocation(of: Float.self, capacity: k) { buffer in
                let xs = buffer.baseAddress!
                for p in 0..<k { xs[p] = x[p * incx] }
                sgemv(rows: rows, k: k, alpha: alpha, matrix: matrix, ld: ld, dotForm: dotForm,
                      x: xs, incx: 1, beta: beta, y: y, incy: incy, pool: pool)
            }
            return
        }
        if incy != 1 {
            withUnsafeTemporaryAllocation(of: Float.self, capacity: rows) { buffer in
                let ys = buffer.baseAddress!
                sgemv(rows: rows, k: k, alpha: alpha, matrix: matrix, ld: ld, dotForm: dotForm,
                      x: x, incx: 1, beta: 0, y: ys, incy: 1, pool: pool)
                for j in 0..<rows {
                    let out = y + j * incy
                    out.pointee = beta == 0 ? ys[j] : ys[j] + beta * out.pointee
                }
            }
            return
        }
        let threads = rows * k < parallelMinWork ? 1 : pool.threadCount
        if threads == 1 {
            kernel(rows: 0..<rows, k: k, alpha: alpha, matrix: matrix, ld: ld, dotForm: dotForm,
                   x: x, beta: beta, y: y)
            return
        }
        // Independent ranges of y per task; 64 keeps the column kernel's full-width chunks whole.
        let chunk = evenSplit(rows, parts: threads * 2, multiple: 64)
        let tasks = (rows + chunk - 1) / chunk
        pool.parallelFor(tasks) { t in
            let j0 = t * chunk
            kernel(rows: j0..<min(rows, j0 + chunk), k: k, alpha: alpha, matrix: matrix, ld: ld,
                   dotForm: dotForm, x: x, beta: beta, y: y)
        }
    }

    private static func kernel(
        rows: Range<Int>, k: Int, alpha: Float, matrix: UnsafePointer<Float>, ld: Int, dotForm: Bool,
        x: UnsafePointer<Float>, beta: Float, y: UnsafeMutablePointer<Float>
    ) {
        if dotForm {
            dotRows(rows, k: k, alpha: alpha, matrix: matrix, ld: ld, x: x, beta: beta, y: y)
        } else {
            axpyColumns(rows, k: k, alpha: alpha, matrix: matrix, ld: ld, x: x, beta: beta, y: y)
        }
    }

    @_transparent
    private static func finish(_ sum: Float, _ alpha: Float, _ beta: Float, _ out: UnsafeMutablePointer<Float>) {
        out.pointee = beta == 0 ? alpha * sum : alpha * sum + beta * out.pointee
    }

    /// y[j] for j in `rows`: dot product of matrix row j (k contiguous floats) with x.
    /// Four rows at a time share each load of x; two accumulators per row hide FMA latency.
    @inline(never)
    static func dotRows(
        _ rows: Range<Int>, k: Int, alpha: Float, matrix: UnsafePointer<Float>, ld: Int,
        x: UnsafePointer<Float>, beta: Float, y: UnsafeMutablePointer<Float>
    ) {
        var j = rows.lowerBound
        while j + 4 <= rows.upperBound {
            let m0 = matrix + j * ld, m1 = m0 + ld, m2 = m1 + ld, m3 = m2 + ld
            var a0 = F8(), a1 = F8(), a2 = F8(), a3 = F8()
            var b0 = F8(), b1 = F8(), b2 = F8(), b3 = F8()
            var p = 0
            while p + 16 <= k {
                let x0 = load8(x + p), x1 = load8(x + p + 8)
                a0 = a0.addingProduct(load8(m0 + p), x0)
                b0 = b0.addingProduct(load8(m0 + p + 8), x1)
                a1 = a1.addingProduct(load8(m1 + p), x0)
                b1 = b1.addingProduct(load8(m1 + p + 8), x1)
                a2 = a2.addingProduct(load8(m2 + p), x0)
                b2 = b2.addingProduct(load8(m2 + p + 8), x1)
                a3 = a3.addingProduct(load8(m3 + p), x0)
                b3 = b3.addingProduct(load8(m3 + p + 8), x1)
                p += 16
            }
            if p + 8 <= k {
                let x0 = load8(x + p)
                a0 = a0.addingProduct(load8(m0 + p), x0)
                a1 = a1.addingProduct(load8(m1 + p), x0)
                a2 = a2.addingProduct(load8(m2 + p), x0)
                a3 = a3.addingProduct(load8(m3 + p), x0)
                p += 8
            }
            var s0 = (a0 + b0).sum(), s1 = (a1 + b1).sum()
            var s2 = (a2 + b2).sum(), s3 = (a3 + b3).sum()
            while p < k {
                let xp = x[p]
                s0 += m0[p] * xp
                s1 += m1[p] * xp
                s2 += m2[p] * xp
                s3 += m3[p] * xp
                p += 1
            }
            finish(s0, alpha, beta, y + j)
            finish(s1, alpha, beta, y + j + 1)
            finish(s2, alpha, beta, y + j + 2)
            finish(s3, alpha, beta, y + j + 3)
            j += 4
        }
        while j < rows.upperBound {
            let m0 = matrix + j * ld
            var a0 = F8()
            var p = 0
            while p + 8 <= k {
                a0 = a0.addingProduct(load8(m0 + p), load8(x + p))
                p += 8
            }
            var s0 = a0.sum()
            while p < k {
                s0 += m0[p] * x[p]
                p += 1
            }
            finish(s0, alpha, beta, y + j)
            j += 1
        }
    }

    /// y[j] for j in `rows`: sum over p of x[p] * matrix[p * ld + j] (row p of the matrix is
    /// contiguous in j). 64 outputs at a time in 8 accumulators, so each pass over the k rows reads
    /// 256 contiguous bytes per row.
    @inline(never)
    static func axpyColumns(
        _ rows: Range<Int>, k: Int, alpha: Float, matrix: UnsafePointer<Float>, ld: Int,
        x: UnsafePointer<Float>, beta: Float, y: UnsafeMutablePointer<Float>
    ) {
        var j = rows.lowerBound
        while j + 64 <= rows.upperBound {
            var c0 = F8(), c1 = F8(), c2 = F8(), c3 = F8(), c4 = F8(), c5 = F8(), c6 = F8(), c7 = F8()
            var row = matrix + j
            for p in 0..<k {
                let xv = F8(repeating: x[p])
                c0 = c0.addingProduct(xv, load8(row))
                c1 = c1.addingProduct(xv, load8(row + 8))
                c2 = c2.addingProduct(xv, load8(row + 16))
                c3 = c3.addingProduct(xv, load8(row + 24))
                c4 = c4.addingProduct(xv, load8(row + 32))
                c5 = c5.addingProduct(xv, load8(row + 40))
                c6 = c6.addingProduct(xv, load8(row + 48))
                c7 = c7.addingProduct(xv, load8(row + 56))
                row += ld
            }
            let out = y + j
            finish8(c0, alpha, beta, out)
            finish8(c1, alpha, beta, out + 8)
            finish8(c2, alpha, beta, out + 16)
            finish8(c3, alpha, beta, out + 24)
            finish8(c4, alpha, beta, out + 32)
            finish8(c5, alpha, beta, out + 40)
            finish8(c6, alpha, beta, out + 48)
            finish8(c7, alpha, beta, out + 56)
            j += 64
        }
        while j + 8 <= rows.upperBound {
            // Two accumulators over even and odd rows for some latency hiding.
            var c0 = F8(), c1 = F8()
            var row = matrix + j
            var p = 0
            while p + 2 <= k {
                c0 = c0.addingProduct(F8(repeating: x[p]), load8(row))
                c1 = c1.addingProduct(F8(repeating: x[p + 1]), load8(row + ld))
                row += 2 * ld
                p += 2
            }
            if p < k { c0 = c0.addingProduct(F8(repeating: x[p]), load8(row)) }
            finish8(c0 + c1, alpha, beta, y + j)
            j += 8
        }
        while j < rows.upperBound {
            var s: Float = 0
            var e = matrix + j
            for p in 0..<k {
                s += x[p] * e.pointee
                e += ld
            }
            finish(s, alpha, beta, y + j)
            j += 1
        }
    }

    @_transparent
    private static func finish8(_ sum: F8, _ alpha: Float, _ beta: Float, _ out: UnsafeMutablePointer<Float>) {
        store8(beta == 0 ? sum * alpha : (sum * alpha).addingProduct(beta, load8(out)), out)
    }
}

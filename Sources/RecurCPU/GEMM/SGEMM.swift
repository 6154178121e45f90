import Recur

/// Row-major single-precision GEMM: C = alpha * op(A) * op(B) + beta * C, op(X) = X or X^T.
///
/// Which code runs, by the shape of C (m x n):
/// - m == 1 or n == 1: `CPUGemv`, a matrix-vector product straight from storage (memory-bound).
/// - a few rows (`CPUGemmSmallM.isFaster`, e.g. batch <= 16 against a transposed weight):
///   `CPUGemmSmallM`, still without packing.
/// - otherwise the packed, cache-blocked GEMM (`GemmProblem`) around the 6 x 16 micro-kernel
///   (12 x 32 with `kernels: .avx512`), split over the pool's threads into independent blocks of C.
public enum CPUGemm {
    /// op(A) is m x k, op(B) is k x n, C is m x n, all row-major with leading dimensions
    /// lda / ldb / ldc (A stored as m x k with lda >= k when !transA, or as k x m with lda >= m
    /// when transA; likewise B). beta == 0 ignores C's prior contents (even NaN); k == 0 or
    /// alpha == 0 gives C = beta * C. `kernels` must be one of `CPUKernels.supported`.
    ///
    /// Throws `RecurError.invalidValue` for a negative dimension, a leading dimension shorter than
    /// its matrix's rows, or kernels this CPU cannot run, and `RecurError.sizeOverflow` for
    /// sizes whose extent does not fit in `Int`, before touching any memory. The pointers' memory
    /// cannot be checked here: the caller vouches that each holds its matrix (the overload taking
    /// buffer pointers checks that too).
    public static func sgemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int,
        pool: ThreadPool = .shared, kernels: CPUKernels = .best, blocking: GEMMBlocking = .machine
    ) throws(RecurError) {
        _ = try GemmArguments(transA: transA, transB: transB, m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc,
                              kernels: kernels)
        unchecked(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                  beta: beta, c: c, ldc: ldc, pool: pool, kernels: kernels, blocking: blocking)
    }

    /// As the pointer form, with each matrix's memory checked too: a buffer shorter than its
    /// matrix's extent (`(rows - 1) * ld + cols` elements) throws `RecurError.invalidValue` naming it.
    public static func sgemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafeBufferPointer<Float>, lda: Int, b: UnsafeBufferPointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutableBufferPointer<Float>, ldc: Int,
        pool: ThreadPool = .shared, kernels: CPUKernels = .best, blocking: GEMMBlocking = .machine
    ) throws(RecurError) {
        let arguments = try GemmArguments(transA: transA, transB: transB, m: m, n: n, k: k, lda: lda, ldb: ldb,
                                          ldc: ldc, kernels: kernels)
        try arguments.check(a.count, holds: .a)
        try arguments.check(b.count, holds: .b)
        try arguments.check(c.count, holds: .c)
        if m == 0 || n == 0 { return }
        // C is not empty, so neither is its buffer; A and B are empty only when k == 0, and are
        // then never read.
        let cBase = c.baseAddress!
        let aBase = a.baseAddress ?? UnsafePointer(cBase), bBase = b.baseAddress ?? UnsafePointer(cBase)
        unchecked(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: aBase, lda: lda, b: bBase, ldb: ldb,
                  beta: beta, c: cBase, ldc: ldc, pool: pool, kernels: kernels, blocking: blocking)
    }

    /// The product on arguments already checked (`GemmArguments`): the CPU backend's path, whose
    /// views are valid by construction. The preconditions restate the checks for debug builds.
    static func unchecked(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int,
        pool: ThreadPool, kernels: CPUKernels, blocking: GEMMBlocking
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "sgemm: negative dimension")
        precondition(CPUKernels.supported.contains(kernels), "sgemm: kernels this CPU cannot run")
        // A leading dimension matters only between stored rows; a one-row view may carry any.
        precondition((transA ? k : m) <= 1 || lda >= (transA ? m : k), "sgemm: lda smaller than A's rows")
        precondition((transB ? n : k) <= 1 || ldb >= (transB ? k : n), "sgemm: ldb smaller than B's rows")
        precondition(m <= 1 || ldc >= n, "sgemm: ldc smaller than C's rows")
        if m == 0 || n == 0 { return }
        if k == 0 || alpha == 0 {
            scale(c, ldc: ldc, rows: m, cols: n, by: beta)
            return
        }
        // One row or one column of C: a matrix-vector product, bound by reading the matrix once.
        if m == 1 {
            // c[0, j] = sum_p op(B)(p, j) * op(A)(0, p): the matrix is op(B)^T (n x k).
            CPUGemv.sgemv(rows: n, k: k, alpha: alpha, matrix: b, ld: ldb, dotForm: transB,
                          x: a, incx: transA ? lda : 1, beta: beta, y: c, incy: 1, pool: pool)
            return
        }
        if n == 1 {
            // c[i, 0] = sum_p op(A)(i, p) * op(B)(p, 0): the matrix is op(A) (m x k).
            CPUGemv.sgemv(rows: m, k: k, alpha: alpha, matrix: a, ld: lda, dotForm: !transA,
                          x: b, incx: transB ? 1 : ldb, beta: beta, y: c, incy: ldc, pool: pool)
            return
        }
        if CPUGemmSmallM.isFaster(m: m, transB: transB) {
            CPUGemmSmallM.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                                a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, pool: pool)
            return
        }
        let problem = GemmProblem(
            transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
            a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, kernels: kernels, blocking: blocking)
        problem.run(pool: pool)
    }

    /// C = beta * C over rows x cols; beta == 0 writes zeros without reading C.
    static func scale(_ c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int, by beta: Float) {
        if beta == 1 { return }
        for i in 0..<rows {
            let row = c + i * ldc
            if beta == 0 {
                row.update(repeating: 0, count: cols)
            } else {
                for j in 0..<cols { row[j] *= beta }
            }
        }
    }
}

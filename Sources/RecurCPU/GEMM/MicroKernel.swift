/// The register-blocked heart of SGEMM: a 6 x 16 tile of C held in 12 SIMD8<Float> accumulators.
///
/// 6 x 16 because AVX2 has 16 ymm registers: 12 accumulators + 2 vectors of B + 1 broadcast of A
/// leaves one spare, and 12 independent FMA chains cover the FMA latency (4 cycles x 2 ports = 8).
/// Each k step loads 2 vectors of B and broadcasts 6 scalars of A for 12 FMAs.

/// Rows of the micro-tile (height of a packed A panel).
let gemmMR = 6
/// Columns of the micro-tile (width of a packed B panel).
let gemmNR = 16

/// C[0..<6, 0..<16] = alpha * A(6 x kc) * B(kc x 16) + beta * C   (beta == 0: C is not read)
///
/// - a: packed A panel, `a[p * 6 + r] = A(r, p)`.
/// - b: packed B panel, `b[p * 16 + j] = B(p, j)`.
/// - c: row-major with leading dimension ldc; all 6 x 16 entries are written.
///
/// Kept out of line so its register allocation is not disturbed by the caller's loops.
/// `addingProduct` (not `acc += x * y`, which Swift never fuses) is what becomes `vfmadd231ps`.
@inline(never)
func sgemmMicroKernel6x16(
    _ kc: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
    _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ alpha: Float, _ beta: Float
) {
    var c00 = F8(), c01 = F8(), c10 = F8(), c11 = F8(), c20 = F8(), c21 = F8()
    var c30 = F8(), c31 = F8(), c40 = F8(), c41 = F8(), c50 = F8(), c51 = F8()
    var pa = a
    var pb = b
    var p = kc
    while p > 0 {
        let b0 = load8(pb)
        let b1 = load8(pb + 8)
        var av = F8(repeating: pa[0])
        c00 = c00.addingProduct(av, b0)
        c01 = c01.addingProduct(av, b1)
        av = F8(repeating: pa[1])
        c10 = c10.addingProduct(av, b0)
        c11 = c11.addingProduct(av, b1)
        av = F8(repeating: pa[2])
        c20 = c20.addingProduct(av, b0)
        c21 = c21.addingProduct(av, b1)
        av = F8(repeating: pa[3])
        c30 = c30.addingProduct(av, b0)
        c31 = c31.addingProduct(av, b1)
        av = F8(repeating: pa[4])
        c40 = c40.addingProduct(av, b0)
        c41 = c41.addingProduct(av, b1)
        av = F8(repeating: pa[5])
        c50 = c50.addingProduct(av, b0)
        c51 = c51.addingProduct(av, b1)
        pa += 6
        pb += 16
        p -= 1
    }
    if beta == 0 {
        storeTileRow(c00, c01, c, alpha)
        storeTileRow(c10, c11, c + ldc, alpha)
        storeTileRow(c20, c21, c + 2 * ldc, alpha)
        storeTileRow(c30, c31, c + 3 * ldc, alpha)
        storeTileRow(c40, c41, c + 4 * ldc, alpha)
        storeTileRow(c50, c51, c + 5 * ldc, alpha)
    } else {
        updateTileRow(c00, c01, c, alpha, beta)
        updateTileRow(c10, c11, c + ldc, alpha, beta)
        updateTileRow(c20, c21, c + 2 * ldc, alpha, beta)
        updateTileRow(c30, c31, c + 3 * ldc, alpha, beta)
        updateTileRow(c40, c41, c + 4 * ldc, alpha, beta)
        updateTileRow(c50, c51, c + 5 * ldc, alpha, beta)
    }
}

/// row[0..<16] = alpha * (v0, v1)
@_transparent
func storeTileRow(_ v0: F8, _ v1: F8, _ row: UnsafeMutablePointer<Float>, _ alpha: Float) {
    store8(v0 * alpha, row)
    store8(v1 * alpha, row + 8)
}

/// row[0..<16] = alpha * (v0, v1) + beta * row[0..<16]
@_transparent
func updateTileRow(
    _ v0: F8, _ v1: F8, _ row: UnsafeMutablePointer<Float>, _ alpha: Float, _ beta: Float
) {
    store8((v0 * alpha).addingProduct(beta, load8(row)), row)
    store8((v1 * alpha).addingProduct(beta, load8(row + 8)), row + 8)
}

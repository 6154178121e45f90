import RecurAVX512

/// Cache blocking of the packed GEMM (Goto's scheme), sized from the caches a core has
/// (`CPUCaches`), so that a machine starts near its best without measuring anything:
///
/// - KC x 32 floats of B (a pair of 16-column micro-panels, what the 512-bit tile reads) stay in
///   L2 (a sixteenth of it) while the micro-kernel sweeps the MC rows of packed A; KC is as deep
///   as that allows, because each 12 x 32 tile of C is loaded and stored once per KC.
/// - MC x KC floats of A stay in L2 (a quarter of it) while the macro-kernel sweeps NC columns.
/// - KC x NC floats of B live in a quarter of the core's share of L3 for one pass over the task's rows.
///
/// Measured on the 2-core AMD EPYC VM (32 KiB L1d, 1 MiB L2, 16 MiB of L3 a core), `rnn-bench
/// peak` on 7 GEMM shapes of the standard configs and the sweep, 5 alternated rounds, geometric
/// mean of the shapes' median GFLOP/s (RECUR_CPU_CACHES chose each blocking):
/// - KC 128: 194.6; KC 256 (a pair of panels filling the 32 KiB L1d, the old rule) with MC 96,
///   120, 252 or 504: 198.9-202.4; KC 384: 201.7; KC 512 with MC 60, 120 or 252: 203.7-205.7;
///   KC 1024: 205.1. KC 512 gained most where K is 512 or more (3200x2048x512: 200 -> 212-215,
///   768x1028x257 B^T: 187 -> 193); MC and NC (1024-16384) moved nothing beyond the noise (2%).
/// - So KC is capped at 512, where the gain ended, and MC and NC keep the shares above.
public struct GEMMBlocking: Sendable, Equatable, CustomStringConvertible {
    /// Rows of A per block: a multiple of 2 * gemmMR (the 512-bit tile's height).
    public let mc: Int
    /// Depth of a block: a multiple of 8 (packing transposes 8 k steps at a time).
    public let kc: Int
    /// Columns of B per block: a multiple of 2 * gemmNR (the 512-bit tile's width).
    public let nc: Int

    /// The blocking `caches` call for.
    public init(caches: CPUCaches) {
        let float = MemoryLayout<Float>.size
        kc = Self.multiple(caches.l2 / 16 / (2 * gemmNR * float), of: 8, in: 64...512)
        mc = Self.multiple(caches.l2 / 4 / (kc * float), of: 2 * gemmMR, in: 2 * gemmMR...1032)
        nc = Self.multiple(caches.l3PerCore / 4 / (kc * float), of: 2 * gemmNR, in: 256...16384)
    }

    /// This machine's blocking.
    public static let machine = GEMMBlocking(caches: .machine)

    public var description: String { "MC \(mc), KC \(kc), NC \(nc)" }

    /// `value` rounded down to a multiple of `step`, within `range` (whose bounds are multiples).
    private static func multiple(_ value: Int, of step: Int, in range: ClosedRange<Int>) -> Int {
        min(max(value / step * step, range.lowerBound), range.upperBound)
    }

    /// Below this many multiply-adds (m * n * k, a few microseconds) a GEMM runs on the calling
    /// thread: handing work to a spinning worker costs ~0.3 us, but each task packs its own copy
    /// of the shared operand.
    static let parallelMinWork = 64 * 64 * 64
    /// From this many multiply-adds on (~0.15 ms on one thread) C is cut into two tasks per thread,
    /// so that when the shared machine stalls one thread the other takes over part of its work.
    static let twoTasksPerThreadMinWork = 16 << 20
    /// ... and when the split side leaves each task at least this many rows (or columns).
    static let twoTasksMinSide = 256
}

/// One GEMM call's arguments, with the blocked algorithm over any rectangle of C.
struct GemmProblem {
    let transA: Bool, transB: Bool
    let m: Int, n: Int, k: Int
    let alpha: Float
    let a: UnsafePointer<Float>, lda: Int
    let b: UnsafePointer<Float>, ldb: Int
    let beta: Float
    let c: UnsafeMutablePointer<Float>, ldc: Int
    /// `.avx512`: full 12 x 32 tiles take `AVX512PackedTile` (two A and two B panels at once).
    let kernels: CPUKernels
    let blocking: GEMMBlocking

    /// The largest tile the kernels compute: blocks of C are cut in multiples of it.
    private var tileRows: Int { kernels == .avx512 ? 2 * gemmMR : gemmMR }
    private var tileCols: Int { kernels == .avx512 ? 2 * gemmNR : gemmNR }

    /// Splits C into independent rectangles, one per task, so that no two threads ever write the
    /// same element of C. The split runs along the longer side of C: splitting rows makes every
    /// task pack all of B (k x n) and splitting columns makes every task pack all of A (m x k),
    /// so the cheaper duplicate is chosen.
    func run(pool: ThreadPool) {
        let threads = m * n * k < GEMMBlocking.parallelMinWork ? 1 : pool.threadCount
        if threads == 1 {
            GemmScratch.withScratch(blocking) { compute(rows: 0..<m, cols: 0..<n, scratch: $0) }
            return
        }
        // Two tasks a thread only where each still gets a long side of `twoTasksMinSide`: every task
        // packs the whole of the other operand, and over 128 rows (the weight gradients of
        // lstm-small, 512 x 128 x 2048) packing B four times cost 6% of the GEMM.
        let twoEach = m * n * k >= GEMMBlocking.twoTasksPerThreadMinWork
            && max(m, n) >= 2 * threads * GEMMBlocking.twoTasksMinSide
        let wanted = threads * (twoEach ? 2 : 1)
        if n > m {
            let chunk = evenSplit(n, parts: wanted, multiple: tileCols)
            let tasks = (n + chunk - 1) / chunk
            pool.parallelFor(tasks) { t in
                let j0 = t * chunk
                GemmScratch.withScratch(blocking) {
                    compute(rows: 0..<m, cols: j0..<min(n, j0 + chunk), scratch: $0)
                }
            }
        } else {
            let chunk = evenSplit(m, parts: wanted, multiple: tileRows)
            let tasks = (m + chunk - 1) / chunk
            pool.parallelFor(tasks) { t in
                let i0 = t * chunk
                GemmScratch.withScratch(blocking) {
                    compute(rows: i0..<min(m, i0 + chunk), cols: 0..<n, scratch: $0)
                }
            }
        }
    }

    /// C[rows, cols] = alpha * op(A)[rows, :] * op(B)[:, cols] + beta * C[rows, cols].
    func compute(rows: Range<Int>, cols: Range<Int>, scratch: GemmScratch) {
        // Blocks of near-equal size rather than full blocks and a ragged last one.
        let kcStep = evenSplit(k, parts: (k + blocking.kc - 1) / blocking.kc, multiple: 8)
        let ncStep = evenSplit(cols.count, parts: (cols.count + blocking.nc - 1) / blocking.nc,
                               multiple: tileCols)
        let mcStep = evenSplit(rows.count, parts: (rows.count + blocking.mc - 1) / blocking.mc,
                               multiple: tileRows)
        var jc = cols.lowerBound
        while jc < cols.upperBound {
            let nc = min(ncStep, cols.upperBound - jc)
            var pc = 0
            while pc < k {
                let kc = min(kcStep, k - pc)
                // The first k block applies beta; later ones accumulate onto it.
                let betaBlock: Float = pc == 0 ? beta : 1
                if rows.count <= mcStep {
                    // One block of rows (a few rows against a wide B: the recurrent step's shape):
                    // B is used by these rows only, so each panel pair is packed right before its
                    // tiles and read back from L1, instead of the whole kc x nc block going through L2.
                    // rnn-bench peak, 64x2048x512 (B^T), 5 alternated pairs: 382-423 -> 430-446
                    // GFLOP/s; the other shapes unchanged.
                    let block = aBlock(i0: rows.lowerBound, mc: rows.count, p0: pc, kc: kc, nc: nc, scratch: scratch)
                    var jr = 0
                    while jr < nc {
                        let width = min(2 * gemmNR, nc - jr)
                        packB(transB: transB, b, ldb: ldb, p0: pc, kc: kc, j0: jc + jr, nc: width, into: scratch.packedB,
                              keep: scratch.keep)
                        macroKernel(mc: rows.count, nc: width, kc: kc, a: block, c: c + rows.lowerBound * ldc + jc + jr,
                                    beta: betaBlock, scratch: scratch)
                        jr += width
                    }
                } else {
                    packB(transB: transB, b, ldb: ldb, p0: pc, kc: kc, j0: jc, nc: nc, into: scratch.packedB,
                          keep: scratch.keep)
                    var ic = rows.lowerBound
                    while ic < rows.upperBound {
                        let mc = min(mcStep, rows.upperBound - ic)
                        let block = aBlock(i0: ic, mc: mc, p0: pc, kc: kc, nc: nc, scratch: scratch)
                        macroKernel(mc: mc, nc: nc, kc: kc, a: block, c: c + ic * ldc + jc, beta: betaBlock,
                                    scratch: scratch)
                        ic += mc
                    }
                }
                pc += kc
            }
            jc += nc
        }
    }

    /// Where the macro-kernel reads a block of op(A) (mc x kc from row i0, k step p0): its first
    /// `directRows` rows in place (op(A) = A^T: the 12 rows of a tile's k step are 12 consecutive
    /// floats of a stored row), the rest from `scratch.packedA`.
    struct ABlock {
        let direct: UnsafePointer<Float>
        let directRows: Int
    }

    /// Packs the rows of a block that are not read in place, and says where each part is.
    ///
    /// With the 512-bit tiles and op(A) = A^T, the full 12 x 32 tiles read A where it is stored
    /// (when the block's columns are all pairs of panels, so that no 16-column edge tile needs
    /// those rows packed). Packing A^T was 16% of the weight-gradient GEMM 512x64x2048 (perf).
    /// RECUR_CPU_PROFILE=shapes, 3 alternated runs of lstm-bi-2l: 1024x512x2048 5.29-5.51 ->
    /// 5.04-5.25 ms, 1024x256x2048 2.63-2.70 -> 2.46-2.56, 1024x128x2048 1.38-1.44 -> 1.26-1.36;
    /// the 512-row shapes of lstm-small within noise.
    private func aBlock(i0: Int, mc: Int, p0: Int, kc: Int, nc: Int, scratch: GemmScratch) -> ABlock {
        let direct = transA && kernels == .avx512 && nc % (2 * gemmNR) == 0 ? mc / (2 * gemmMR) * (2 * gemmMR) : 0
        if direct < mc {
            packA(transA: transA, a, lda: lda, m: m, i0: i0 + direct, mc: mc - direct, p0: p0, kc: kc,
                  into: scratch.packedA, keep: scratch.keep)
        }
        return ABlock(direct: a + p0 * lda + i0, directRows: direct)
    }

    /// C block (mc x nc at `cBlock`) = alpha * op(A) block * packedB + beta * C block.
    /// Columns outer, rows inner: one B micro-panel (a pair of them for the 512-bit tiles) stays in
    /// L1 across all of A's panels.
    private func macroKernel(
        mc: Int, nc: Int, kc: Int, a block: ABlock, c cBlock: UnsafeMutablePointer<Float>, beta: Float,
        scratch: GemmScratch
    ) {
        let wide = kernels == .avx512
        var jr = 0
        while jr < nc {
            // Two full B panels: 12 x 32 tiles where 12 rows remain, 6 x 32 ones for the rest.
            let pair = wide && nc - jr >= 2 * gemmNR
            let bPanel = UnsafePointer(scratch.packedB + jr * kc)
            var ir = 0
            while ir < block.directRows {
                // In place (aBlock: only when every tile here is a full 12 x 32 one).
                AVX512PackedTile.multiply12x32(kc, block.direct + ir, gemmMR, lda, bPanel, kc * gemmNR,
                                               cBlock + ir * ldc + jr, ldc, alpha, beta)
                ir += 2 * gemmMR
            }
            while ir < mc {
                let aPanel = UnsafePointer(scratch.packedA + (ir - block.directRows) * kc)
                let cTile = cBlock + ir * ldc + jr
                if pair && mc - ir >= 2 * gemmMR {
                    AVX512PackedTile.multiply12x32(kc, aPanel, kc * gemmMR, gemmMR, bPanel, kc * gemmNR, cTile, ldc,
                                                   alpha, beta)
                    ir += 2 * gemmMR
                    continue
                }
                let rows = min(gemmMR, mc - ir)
                if pair {
                    tile6x32(rows: rows, kc: kc, aPanel, bPanel, cTile, beta: beta, scratch: scratch)
                } else {
                    tile6x16(rows: rows, cols: min(gemmNR, nc - jr), kc: kc, aPanel, bPanel, cTile, beta: beta,
                             scratch: scratch)
                }
                ir += gemmMR
            }
            jr += pair ? 2 * gemmNR : gemmNR
        }
    }

    /// C tile (rows x 32 at `cTile`, rows <= 6) = alpha * A panel * two B panels + beta * C tile.
    @inline(__always)
    private func tile6x32(
        rows: Int, kc: Int, _ aPanel: UnsafePointer<Float>, _ bPanel: UnsafePointer<Float>,
        _ cTile: UnsafeMutablePointer<Float>, beta: Float, scratch: GemmScratch
    ) {
        if rows == gemmMR {
            AVX512PackedTile.multiply6x32(kc, aPanel, bPanel, kc * gemmNR, cTile, ldc, alpha, beta)
            return
        }
        AVX512PackedTile.multiply6x32(kc, aPanel, bPanel, kc * gemmNR, scratch.tile, 2 * gemmNR, alpha, 0)
        copyEdge(rows: rows, cols: 2 * gemmNR, from: scratch.tile, ld: 2 * gemmNR, to: cTile, beta: beta)
    }

    /// C tile (rows x cols at `cTile`, at most 6 x 16) = alpha * A panel * B panel + beta * C tile.
    @inline(__always)
    private func tile6x16(
        rows: Int, cols: Int, kc: Int, _ aPanel: UnsafePointer<Float>, _ bPanel: UnsafePointer<Float>,
        _ cTile: UnsafeMutablePointer<Float>, beta: Float, scratch: GemmScratch
    ) {
        if rows == gemmMR && cols == gemmNR {
            sgemmMicroKernel6x16(kc, aPanel, bPanel, cTile, ldc, alpha, beta)
            return
        }
        // Edge tile: full product into the scratch tile, then only the real part.
        sgemmMicroKernel6x16(kc, aPanel, bPanel, scratch.tile, gemmNR, alpha, 0)
        copyEdge(rows: rows, cols: cols, from: scratch.tile, ld: gemmNR, to: cTile, beta: beta)
    }

    /// C tile (rows x cols) = the edge tile's product (alpha applied) + beta * C tile.
    @inline(__always)
    private func copyEdge(
        rows: Int, cols: Int, from t: UnsafeMutablePointer<Float>, ld: Int, to cTile: UnsafeMutablePointer<Float>,
        beta: Float
    ) {
        for r in 0..<rows {
            let cr = cTile + r * ldc
            let tr = t + r * ld
            if beta == 0 {
                for j in 0..<cols { cr[j] = tr[j] }
            } else {
                // Fused, like the full tiles' update.
                for j in 0..<cols { cr[j] = tr[j].addingProduct(beta, cr[j]) }
            }
        }
    }
}

/// Splits `total` into `parts` near-equal pieces rounded up to `multiple`; returns the piece size
/// (at least `multiple`). The last piece may be shorter.
@inline(__always)
func evenSplit(_ total: Int, parts: Int, multiple: Int) -> Int {
    let p = max(1, parts)
    let piece = (total + p - 1) / p
    return max(multiple, (piece + multiple - 1) / multiple * multiple)
}

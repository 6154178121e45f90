// SGEMM: C = alpha * op(A) * op(B) + beta * C, with op(X) = X or X^T.
//
// Every matrix is a row-major view: a buffer, an element offset and a leading dimension (row
// stride). op(A) is M x K, op(B) is K x N and C is M x N; A is stored M x K (K x M when transA),
// B is stored K x N (N x K when transB). beta == 0 ignores C's old contents, NaN included.
//
// Two paths:
// - gemm_tiled: any transposes, sizes, offsets and strides; each work-item computes a
//   GEMM_TM x GEMM_TN register block, optionally through local-memory tiles (GPUs).
// - pack_b_panels + gemm_packed (+ pack_a_rows when A is transposed): the fast path on CPU
//   devices (POCL). op(B) is packed once into 16-column panels; each work-item then computes an
//   8 x 32 block of C (two panels) over the whole K, GEMM_MR rows at a time, with float16
//   accumulators on AVX-512 (GEMM_VEC16), else float8 ones (packed_block.cl).

#include "packed_block.cl"

// ---------------------------------------------------------------------------------------------
// gemm_tiled knobs.
//   GEMM_TM, GEMM_TN   rows and columns of C one work-item computes (its register block)
//   GEMM_WG_M, GEMM_WG_N  the work-group's shape: local size (GEMM_WG_N, GEMM_WG_M)
//   GEMM_LOCAL          1: stage GEMM_TK-deep tiles of op(A) and op(B) in local memory (GPUs);
//                       0: read global memory directly (CPUs: no barriers)
//   GEMM_TK             depth of a local-memory tile (GEMM_LOCAL == 1 only)
// The defaults are the best setting measured on POCL (8x8 blocks, 4x4 work-groups, no local
// memory: 10-22 GFLOP/s, where gemm_packed reaches 120-180). For GPUs (not measured here) a
// classic start is -D GEMM_LOCAL=1 -D GEMM_WG_M=16 -D GEMM_WG_N=16 -D GEMM_TM=4 -D GEMM_TN=4
// -D GEMM_TK=16.
// A work-group computes a (GEMM_WG_M*GEMM_TM) x (GEMM_WG_N*GEMM_TN) tile of C; work-item
// (tx, ty) owns rows tileRow + ty + i*GEMM_WG_M and columns tileCol + tx + j*GEMM_WG_N, so that
// neighbouring work-items touch neighbouring columns (coalesced on GPUs).
#ifndef GEMM_TM
#define GEMM_TM 8
#endif
#ifndef GEMM_TN
#define GEMM_TN 8
#endif
#ifndef GEMM_WG_M
#define GEMM_WG_M 4
#endif
#ifndef GEMM_WG_N
#define GEMM_WG_N 4
#endif
#ifndef GEMM_LOCAL
#define GEMM_LOCAL 0
#endif
#ifndef GEMM_TK
#define GEMM_TK 16
#endif

#define GEMM_BM (GEMM_WG_M * GEMM_TM)
#define GEMM_BN (GEMM_WG_N * GEMM_TN)

// gemm_tiled: the general kernel.
//   M, N, K           sizes: op(A) M x K, op(B) K x N, C M x N (any, zero allowed for K)
//   transA, transB    0 or 1
//   alpha             scalar
//   A, aOff, lda      M x K view (K x M when transA)
//   B, bOff, ldb      K x N view (N x K when transB)
//   beta              scalar; 0 ignores C's old contents
//   C, cOff, ldc      M x N view, written
// NDRange: 2-D, local exactly (GEMM_WG_N, GEMM_WG_M) (never NULL: the tile mapping uses the
//   group ids), global (ceil(N / GEMM_BN) * GEMM_WG_N, ceil(M / GEMM_BM) * GEMM_WG_M).
__attribute__((reqd_work_group_size(GEMM_WG_N, GEMM_WG_M, 1)))
__kernel void gemm_tiled(int M, int N, int K, int transA, int transB, float alpha,
                         __global const float* A, int aOff, int lda,
                         __global const float* B, int bOff, int ldb,
                         float beta,
                         __global float* C, int cOff, int ldc) {
    const int tx = get_local_id(0), ty = get_local_id(1);
    const int tileCol = get_group_id(0) * GEMM_BN, tileRow = get_group_id(1) * GEMM_BM;
    // op(A)(m, k) = A[aOff + m*aRow + k*aCol]; op(B)(k, n) = B[bOff + k*bRow + n*bCol].
    const int aRow = transA ? 1 : lda, aCol = transA ? lda : 1;
    const int bRow = transB ? 1 : ldb, bCol = transB ? ldb : 1;

    float acc[GEMM_TM][GEMM_TN];
    for (int i = 0; i < GEMM_TM; ++i)
        for (int j = 0; j < GEMM_TN; ++j) acc[i][j] = 0.0f;

#if GEMM_LOCAL
    __local float tileA[GEMM_TK][GEMM_BM + 1];  // tileA[k][m]; +1 breaks bank conflicts
    __local float tileB[GEMM_TK][GEMM_BN + 1];  // tileB[k][n]
    const int lid = ty * GEMM_WG_N + tx;
    const int threads = GEMM_WG_M * GEMM_WG_N;
    for (int k0 = 0; k0 < K; k0 += GEMM_TK) {
        // Cooperative loads, zero-padded past the matrix; the index order follows the storage
        // order so that neighbouring work-items read neighbouring addresses.
        for (int e = lid; e < GEMM_BM * GEMM_TK; e += threads) {
            int m, k;
            if (transA) { m = e % GEMM_BM; k = e / GEMM_BM; }
            else        { k = e % GEMM_TK; m = e / GEMM_TK; }
            const int gm = tileRow + m, gk = k0 + k;
            tileA[k][m] = (gm < M && gk < K) ? A[aOff + gm * aRow + gk * aCol] : 0.0f;
        }
        for (int e = lid; e < GEMM_BN * GEMM_TK; e += threads) {
            int n, k;
            if (transB) { k = e % GEMM_TK; n = e / GEMM_TK; }
            else        { n = e % GEMM_BN; k = e / GEMM_BN; }
            const int gn = tileCol + n, gk = k0 + k;
            tileB[k][n] = (gn < N && gk < K) ? B[bOff + gk * bRow + gn * bCol] : 0.0f;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int k = 0; k < GEMM_TK; ++k) {
            float a[GEMM_TM], b[GEMM_TN];
            for (int i = 0; i < GEMM_TM; ++i) a[i] = tileA[k][ty + i * GEMM_WG_M];
            for (int j = 0; j < GEMM_TN; ++j) b[j] = tileB[k][tx + j * GEMM_WG_N];
            for (int i = 0; i < GEMM_TM; ++i)
                for (int j = 0; j < GEMM_TN; ++j) acc[i][j] = fma(a[i], b[j], acc[i][j]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
#else
    // Rows and columns past the matrix are clamped for the loads (valid addresses, results
    // never stored), so the k loop carries no bounds checks.
    int aIndex[GEMM_TM], bIndex[GEMM_TN];
    for (int i = 0; i < GEMM_TM; ++i)
        aIndex[i] = aOff + min(tileRow + ty + i * GEMM_WG_M, M - 1) * aRow;
    for (int j = 0; j < GEMM_TN; ++j)
        bIndex[j] = bOff + min(tileCol + tx + j * GEMM_WG_N, N - 1) * bCol;
    for (int k = 0; k < K; ++k) {
        float a[GEMM_TM], b[GEMM_TN];
        for (int i = 0; i < GEMM_TM; ++i) a[i] = A[aIndex[i] + k * aCol];
        for (int j = 0; j < GEMM_TN; ++j) b[j] = B[bIndex[j] + k * bRow];
        for (int i = 0; i < GEMM_TM; ++i)
            for (int j = 0; j < GEMM_TN; ++j) acc[i][j] = fma(a[i], b[j], acc[i][j]);
    }
#endif

    for (int i = 0; i < GEMM_TM; ++i) {
        const int m = tileRow + ty + i * GEMM_WG_M;
        if (m >= M) break;
        for (int j = 0; j < GEMM_TN; ++j) {
            const int n = tileCol + tx + j * GEMM_WG_N;
            if (n >= N) break;
            __global float* c = C + cOff + m * ldc + n;
            *c = beta == 0.0f ? alpha * acc[i][j] : fma(beta, *c, alpha * acc[i][j]);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The packed path (CPU devices): pack_b_panels (+ pack_a_rows when A is transposed), then
// gemm_packed over blocks of packed_block (packed_block.cl, prepended to this program, with the
// GEMM_MR and GEMM_VEC16 knobs).

// pack_b_panels: op(B) (K x N) into panels of 16 columns, zero-padded to a multiple of 16:
//   packed[pOff + (n/16)*K*16 + k*16 + n%16] = op(B)(k, src(n)), 0 for N <= n < ceil(N/16)*16,
// where the columns come in gates of gateStride, of which the first gateWidth are op(B)'s:
//   src(n) = (n / gateStride) * gateWidth + n % gateStride, and 0 where n % gateStride >= gateWidth.
// A plain GEMM has one gate (gateStride = gateWidth = N). The whole-sequence forward in unit
// parts packs W_hh^T with each gate padded to 32 columns (sequence_forward.cl's gateStride),
// straight from W_hh: a padded copy of W_hh first (a fill and a copy per gate) took 236 us of a
// 2.05 ms training step of LSTM H 257, batch 1, 50 steps (RECUR_OPENCL_PROFILE, POCL).
//   K, N             sizes of op(B) as packed (N = gates * gateStride)
//   transB           0: B stored K x (source columns); 1: B stored (source columns) x K
//   B, bOff, ldb     the view of B
//   packed, pOff     ceil(N/16)*16*K floats, written
//   gateStride, gateWidth  as above, 1 <= gateWidth <= gateStride
// NDRange: 2-D, global (ceil(K/16), ceil(N/16)): one work-item per 16 k of a panel, writing 16 x 16
//   floats; any local size (the host's: cpuLocalSize, since POCL made small NULL-local ranges one
//   group, one core).
// transB (W_hh^T and W_ih^T, packed every training step) reads a 16 x 16 block as 16 float16 rows
// and writes it transposed through registers; every padding column (a gate's, or past N) is
// decided once a work-item, not once an element. Measured on POCL (AMD EPYC, device time a launch,
// RECUR_OPENCL_PROFILE=ranges), one work-item a group in both:
//   W_hh^T 256 x 1024 (lstm-b1)   290 -> 57-89 us
//   W_ih^T 128 x 1024 (lstm-b1)   195 -> 41-75 us
//   W_hh^T 257 x 1152 (H 257, gates padded to 288)   300 -> 85-99 us
// Tried: a work-item per (k, panel) gathering 16 strided floats (142-216 and 80-99 us for the
// first two, before the local size); four rounds of explicit zips for the transpose (the same).

// The column of B's storage that packed column n comes from, or -1 for a padding column.
static inline int pack_b_source(int n, int N, int gateStride, int gateWidth) {
    const int gate = n / gateStride, within = n - gate * gateStride;
    return n < N && within < gateWidth ? gate * gateWidth + within : -1;
}

// Column n of op(B) at k0 ..< k0 + 16 when B is stored transposed (a row of its storage), 0 for padding.
static inline float16 pack_b_row16(__global const float* B, int ldb, int k0, int source) {
    return source < 0 ? (float16)(0.0f) : vload16(0, B + source * ldb + k0);
}

__kernel void pack_b_panels(int K, int N, int transB,
                            __global const float* B, int bOff, int ldb,
                            __global float* packed, int pOff, int gateStride, int gateWidth) {
    const int k0 = get_global_id(0) * 16, panel = get_global_id(1);
    if (k0 >= K || panel * 16 >= N) return;
    const int k1 = min(k0 + 16, K), n0 = panel * 16;
    const int gate0 = n0 / gateStride, within0 = n0 - gate0 * gateStride;
    __global const float* b = B + bOff;
    __global float* dst = packed + pOff + panel * K * 16;
    if (!transB && within0 + 16 <= gateWidth) {
        // The panel's 16 columns are consecutive in each stored row.
        const int source0 = gate0 * gateWidth + within0;
        for (int k = k0; k < k1; ++k) vstore16(vload16(0, b + k * ldb + source0), 0, dst + k * 16);
        return;
    }
    if (transB && k1 - k0 == 16) {
        // A 16 x 16 block: 16 stored rows (columns n of op(B)) of 16 k, written as 16 rows (k) of 16 n.
#define PACK_B_LOAD(i) pack_b_row16(b, ldb, k0, pack_b_source(n0 + i, N, gateStride, gateWidth))
        const float16 r0 = PACK_B_LOAD(0), r1 = PACK_B_LOAD(1), r2 = PACK_B_LOAD(2), r3 = PACK_B_LOAD(3),
                      r4 = PACK_B_LOAD(4), r5 = PACK_B_LOAD(5), r6 = PACK_B_LOAD(6), r7 = PACK_B_LOAD(7),
                      r8 = PACK_B_LOAD(8), r9 = PACK_B_LOAD(9), r10 = PACK_B_LOAD(10), r11 = PACK_B_LOAD(11),
                      r12 = PACK_B_LOAD(12), r13 = PACK_B_LOAD(13), r14 = PACK_B_LOAD(14), r15 = PACK_B_LOAD(15);
#undef PACK_B_LOAD
#define PACK_B_ROW(j) \
        vstore16((float16)(r0.s##j, r1.s##j, r2.s##j, r3.s##j, r4.s##j, r5.s##j, r6.s##j, r7.s##j, r8.s##j, \
                           r9.s##j, r10.s##j, r11.s##j, r12.s##j, r13.s##j, r14.s##j, r15.s##j), \
                 0, dst + (k0 + 0x##j) * 16)
        PACK_B_ROW(0); PACK_B_ROW(1); PACK_B_ROW(2); PACK_B_ROW(3); PACK_B_ROW(4); PACK_B_ROW(5);
        PACK_B_ROW(6); PACK_B_ROW(7); PACK_B_ROW(8); PACK_B_ROW(9); PACK_B_ROW(a); PACK_B_ROW(b);
        PACK_B_ROW(c); PACK_B_ROW(d); PACK_B_ROW(e); PACK_B_ROW(f);
#undef PACK_B_ROW
        return;
    }
    // The rest (a panel with padding columns, or the last k < 16 of transB): a column at a time.
    for (int i = 0; i < 16; ++i) {
        const int source = pack_b_source(n0 + i, N, gateStride, gateWidth);
        for (int k = k0; k < k1; ++k)
            dst[k * 16 + i] = source < 0 ? 0.0f : (transB ? b[source * ldb + k] : b[k * ldb + source]);
    }
}

// pack_a_rows: a contiguous row-major copy of op(A) when A is stored transposed:
//   out[outOff + m*K + k] = A[aOff + k*lda + m] (A stored K x M, op(A) M x K).
//   M, K             sizes of op(A)
//   A, aOff, lda     the stored K x M view
//   out, outOff      M*K floats, written
// NDRange: 2-D, global (ceil(K/8), ceil(M/8)): one work-item per 8 x 8 block; any local size.
// Measured on POCL (2048 x 3200): 3.7-5 ms, a plain copy of the same 26 MB 3.65 ms. Tried and
// dropped: 64 x 64 tiles through local memory (no faster); packing A into 8-row panels (a copy,
// but gemm_packed then read A as one stream and ran ~35% slower at M = 2048, K = 3200); no copy,
// gemm_packed reading A^T in place through a k stride (device time a launch, alternated runs):
// lstm-small's 512 x {64, 128} x 2048 took the same time and the copy's 350-415 us went, but
// lstm-charlm's 2048 x 512 x 3200 went 31 -> 40 ms and 2048 x 128 x 3200 7.9 -> 10.1-10.7,
// rnn-tanh-medium's 512 x 256 x 3200 4.0 -> 4.8. Padding the stored rows to an odd number of
// 64-byte lines (so that a walk down a column reaches every cache set) left lstm-charlm's at
// 41.9-43.7 ms: each k takes a new line and (rows 10 KiB apart) a new page, where the copy streams.
__kernel void pack_a_rows(int M, int K,
                          __global const float* A, int aOff, int lda,
                          __global float* out, int outOff) {
    const int k0 = get_global_id(0) * 8, m0 = get_global_id(1) * 8;
    if (k0 >= K || m0 >= M) return;
    if (k0 + 8 <= K && m0 + 8 <= M) {
        // Eight stored rows (k) of eight values (m), written as eight rows (m) of eight (k).
        const float8 r0 = vload8(0, A + aOff + (k0 + 0) * lda + m0);
        const float8 r1 = vload8(0, A + aOff + (k0 + 1) * lda + m0);
        const float8 r2 = vload8(0, A + aOff + (k0 + 2) * lda + m0);
        const float8 r3 = vload8(0, A + aOff + (k0 + 3) * lda + m0);
        const float8 r4 = vload8(0, A + aOff + (k0 + 4) * lda + m0);
        const float8 r5 = vload8(0, A + aOff + (k0 + 5) * lda + m0);
        const float8 r6 = vload8(0, A + aOff + (k0 + 6) * lda + m0);
        const float8 r7 = vload8(0, A + aOff + (k0 + 7) * lda + m0);
        __global float* d = out + outOff + m0 * K + k0;
        vstore8((float8)(r0.s0, r1.s0, r2.s0, r3.s0, r4.s0, r5.s0, r6.s0, r7.s0), 0, d + 0 * K);
        vstore8((float8)(r0.s1, r1.s1, r2.s1, r3.s1, r4.s1, r5.s1, r6.s1, r7.s1), 0, d + 1 * K);
        vstore8((float8)(r0.s2, r1.s2, r2.s2, r3.s2, r4.s2, r5.s2, r6.s2, r7.s2), 0, d + 2 * K);
        vstore8((float8)(r0.s3, r1.s3, r2.s3, r3.s3, r4.s3, r5.s3, r6.s3, r7.s3), 0, d + 3 * K);
        vstore8((float8)(r0.s4, r1.s4, r2.s4, r3.s4, r4.s4, r5.s4, r6.s4, r7.s4), 0, d + 4 * K);
        vstore8((float8)(r0.s5, r1.s5, r2.s5, r3.s5, r4.s5, r5.s5, r6.s5, r7.s5), 0, d + 5 * K);
        vstore8((float8)(r0.s6, r1.s6, r2.s6, r3.s6, r4.s6, r5.s6, r6.s6, r7.s6), 0, d + 6 * K);
        vstore8((float8)(r0.s7, r1.s7, r2.s7, r3.s7, r4.s7, r5.s7, r6.s7, r7.s7), 0, d + 7 * K);
        return;
    }
    for (int m = m0; m < min(m0 + 8, M); ++m)
        for (int k = k0; k < min(k0 + 8, K); ++k) out[outOff + m * K + k] = A[aOff + k * lda + m];
}

// gemm_packed: C = alpha * A * op(B) + beta * C with A row-major (non-transposed; pack_a_rows
// first otherwise) and op(B) packed by pack_b_panels.
//   M, N, K          sizes: A M x K, op(B) K x N, C M x N
//   alpha            scalar
//   A, aOff, lda     M x K view, row-major
//   packed, pOff     op(B) as written by pack_b_panels (ceil(N/16) panels of K x 16)
//   beta             scalar; 0 ignores C's old contents
//   C, cOff, ldc     M x N view, written
// Work-item (rb, np) computes rows rb*8 ..< rb*8+8 and columns np*32 ..< +32 of C (panels 2*np
// and 2*np+1) with packed_block; consecutive work-items take consecutive row blocks of one pair
// of panels, so they share it in cache. Two panels rather than one halve the reads of A per FLOP
// (each A value serves 32 columns), which bounded the one-panel kernel on the large shapes.
// NDRange: 2-D, with rowBlocks = ceil(M / 8): local (L, 1), L = min(8, rowBlocks) (8 and 16
//   measure alike; work-items past rowBlocks return at once), global (ceil(rowBlocks / L) * L,
//   ceil(N / 32)).
__kernel void gemm_packed(int M, int N, int K, float alpha,
                          __global const float* A, int aOff, int lda,
                          __global const float* packed, int pOff,
                          float beta,
                          __global float* C, int cOff, int ldc) {
    const int rb = get_global_id(0), np = get_global_id(1);
    if (rb * 8 >= M || np * 32 >= N) return;
    packed_block(N, K, alpha, A + aOff, lda, packed + pOff, 2 * np, beta, C + cOff, ldc, rb * 8, min(rb * 8 + 8, M));
}

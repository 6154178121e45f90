// The packed GEMM's work unit, shared by gemm.cl (gemm_packed) and the whole-sequence kernels
// (sequence_forward.cl, sequence_backward.cl): up to 8 rows x 32 columns of C = alpha * A * op(B)
// + beta * C over the whole K, with op(B) packed by pack_b_panels (gemm.cl) into 16-column
// panels. Included by the programs that use it; it defines no kernel.
//
// Knobs (-D defines, from GEMMTuning):
//   GEMM_MR     rows of C held in registers at once: 1, 2, 4 or 8. A block is computed GEMM_MR
//               rows at a time. Default 8 where the compiler targets AVX-512 (32 vector
//               registers hold the 16 accumulators and a step's B values; 10-40% faster than 4 on
//               POCL, AMD EPYC), else 4 (16 registers: 8 rows would spill).
//   GEMM_VEC16  1: both panels in one pass over K, one float16 accumulator per row and panel
//               (512-bit FMAs: POCL emits zmm for float16 on AVX-512, each A value broadcast
//               once for 32 columns); 0: one panel after the other, two float8 accumulators per
//               row (what 256-bit registers hold). Default 1 where the compiler targets AVX-512,
//               else 0. Measured on POCL (Xeon, AVX-512, 2 threads; rnn-bench peak, medians of
//               4 runs alternated with the one-panel float8 kernel): 64x2048x512 58 -> 79
//               GFLOP/s, 3200x2048x256 46 -> 69, 2048x256x3200 (A^T) 57 -> 86; lstm-medium
//               training 392 -> 269 ms. Tried: float16 on one panel (8 x 16 blocks) gained only
//               5-10% (bound by the reads of A); three panels (8 x 48) measured as two.
//               GEMM_VEC16=0 there measures as the one-panel kernel did.
#ifndef GEMM_MR
#if defined(__AVX512F__)
#define GEMM_MR 8
#else
#define GEMM_MR 4
#endif
#endif
#if GEMM_MR != 1 && GEMM_MR != 2 && GEMM_MR != 4 && GEMM_MR != 8
#error "GEMM_MR must be 1, 2, 4 or 8"
#endif
// GEMM_ODD_TAILS  1: the last 3, 5 or 7 rows of a range take a block of their own height; 0: the
//               next even one. The whole-sequence kernels (a batch of 3-7 rows is every block of
//               theirs) define 1; gemm.cl leaves 0 (one tail block of a large M; the odd blocks
//               nearly doubled its compile time, 0.35 -> 0.59 s in clang 15).
#ifndef GEMM_ODD_TAILS
#define GEMM_ODD_TAILS 0
#endif
#ifndef GEMM_VEC16
#if defined(__AVX512F__)
#define GEMM_VEC16 1
#else
#define GEMM_VEC16 0
#endif
#endif
#if GEMM_VEC16 != 0 && GEMM_VEC16 != 1
#error "GEMM_VEC16 must be 0 or 1"
#endif

// The rows of a block, unrolled by the preprocessor so that the accumulators live in registers
// (a loop over an array of float8 left them on the stack under POCL).
#define GEMM_ROW_0(X) X(0)
#if GEMM_MR > 1
#define GEMM_ROW_1(X) X(1)
#else
#define GEMM_ROW_1(X)
#endif
#if GEMM_MR > 2
#define GEMM_ROW_2(X) X(2)
#else
#define GEMM_ROW_2(X)
#endif
#if GEMM_MR > 3
#define GEMM_ROW_3(X) X(3)
#else
#define GEMM_ROW_3(X)
#endif
#if GEMM_MR > 4
#define GEMM_ROW_4(X) X(4)
#else
#define GEMM_ROW_4(X)
#endif
#if GEMM_MR > 5
#define GEMM_ROW_5(X) X(5)
#else
#define GEMM_ROW_5(X)
#endif
#if GEMM_MR > 6
#define GEMM_ROW_6(X) X(6)
#else
#define GEMM_ROW_6(X)
#endif
#if GEMM_MR > 7
#define GEMM_ROW_7(X) X(7)
#else
#define GEMM_ROW_7(X)
#endif
#define GEMM_FOR_ROWS(X) \
    GEMM_ROW_0(X) GEMM_ROW_1(X) GEMM_ROW_2(X) GEMM_ROW_3(X) \
    GEMM_ROW_4(X) GEMM_ROW_5(X) GEMM_ROW_6(X) GEMM_ROW_7(X)
// Blocks of 2-7 rows, for the last rows of a range where GEMM_MR is larger: a block computes all
// its rows whether or not they exist (its missing rows are clamped copies of the last), so the
// last 3-7 rows take a block of their own height (1-2 rows a 2-row one) where GEMM_ODD_TAILS.
// An 8-row-only kernel made a batch of 3 cost an 8-row block's FMAs, and 12 rows two 8-row
// blocks; 5 rows as 4 + 2 (two reads of the panels) measured the same as one 8-row block (H 129
// B 5 2.05-2.14 ms against 1.99-2.08).
// Measured on POCL (2-core AMD EPYC, AVX-512; LSTM training step, T 50, medians of 9, 8-row
// blocks only -> 2-, 4- and 6-row tails): H 257 B 3 8.45 -> 3.66 ms, H 129 B 3 1.8-2.7 -> 1.33,
// H 100 B 5 2.64 -> 1.30, H 129 B 20 (rows in parts of 8 and 12) 6.21 -> 5.08. Then 3-, 5- and
// 7-row blocks (their own height, not 4, 6 and 8), sequence_forward a launch, H 129, 3 alternated
// runs: B 5 388-418 -> 341-364 us, B 7 520-554 -> 466-486.
#define GEMM_FOR_ROWS_7(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6)
#define GEMM_FOR_ROWS_6(X) X(0) X(1) X(2) X(3) X(4) X(5)
#define GEMM_FOR_ROWS_5(X) X(0) X(1) X(2) X(3) X(4)
#define GEMM_FOR_ROWS_4(X) X(0) X(1) X(2) X(3)
#define GEMM_FOR_ROWS_3(X) X(0) X(1) X(2)
#define GEMM_FOR_ROWS_2(X) X(0) X(1)

// GEMM_VEC16 == 0: row i's pointer into A (rows past the block read its last row: a valid
// address, never stored) and its two accumulators (columns 0-7 and 8-15 of the panel).
#define GEMM_ROW_INIT(i) \
    __global const float* a##i = A + min(m0 + i, mLast) * lda; \
    float8 lo##i = (float8)(0.0f), hi##i = (float8)(0.0f);
// Four steps of k for row i; A's values are broadcast straight from memory (a vload4 and
// lane shuffles measured 15-20% slower on POCL).
#define GEMM_ROW_STEP4(i) { \
    float8 av = (float8)(a##i[k]); \
    lo##i = fma(av, b0l, lo##i); hi##i = fma(av, b0h, hi##i); av = (float8)(a##i[k + 1]); \
    lo##i = fma(av, b1l, lo##i); hi##i = fma(av, b1h, hi##i); av = (float8)(a##i[k + 2]); \
    lo##i = fma(av, b2l, lo##i); hi##i = fma(av, b2h, hi##i); av = (float8)(a##i[k + 3]); \
    lo##i = fma(av, b3l, lo##i); hi##i = fma(av, b3h, hi##i); }
// One step of k for row i.
#define GEMM_ROW_STEP1(i) { \
    const float av = a##i[k]; \
    lo##i = fma((float8)(av), bl, lo##i); hi##i = fma((float8)(av), bh, hi##i); }
#define GEMM_ROW_STORE(i) \
    if (i < rows) gemm_store_row(C + (m0 + i) * ldc + n, lo##i, hi##i, alpha, beta, N - n);

// GEMM_VEC16 == 1: row i's pointer into A (clamped as above) and its two accumulators: cp for
// the first panel (columns n0 ..< n0+16), cq for the second (n0+16 ..< n0+32).
#define GEMM_ROW_INIT16(i) \
    __global const float* a##i = A + min(m0 + i, mLast) * lda; \
    float16 cp##i = (float16)(0.0f), cq##i = (float16)(0.0f);
// Four steps of k for row i: each A value broadcast once, for both panels' B values (bpJ, bqJ:
// step k + J).
#define GEMM_ROW_STEP4_16(i) { \
    float16 av = (float16)(a##i[k]); \
    cp##i = fma(av, bp0, cp##i); cq##i = fma(av, bq0, cq##i); av = (float16)(a##i[k + 1]); \
    cp##i = fma(av, bp1, cp##i); cq##i = fma(av, bq1, cq##i); av = (float16)(a##i[k + 2]); \
    cp##i = fma(av, bp2, cp##i); cq##i = fma(av, bq2, cq##i); av = (float16)(a##i[k + 3]); \
    cp##i = fma(av, bp3, cp##i); cq##i = fma(av, bq3, cq##i); }
#define GEMM_ROW_STEP1_16(i) { \
    const float16 av = (float16)(a##i[k]); \
    cp##i = fma(av, bp0, cp##i); cq##i = fma(av, bq0, cq##i); }
// The second panel's columns start at n0 + 16.
#define GEMM_ROW_STORE16(i) \
    if (i < rows) { \
        __global float* c = C + (m0 + i) * ldc + n0; \
        gemm_store_row(c, cp##i.lo, cp##i.hi, alpha, beta, N - n0); \
        if (n0 + 16 < N) gemm_store_row(c + 16, cq##i.lo, cq##i.hi, alpha, beta, N - n0 - 16); }

// Rows mStart ..< mEnd in blocks of GEMM_MR, the last 1-2 rows in a 2-row block and 3-7 in a
// block of their own height (GEMM_ODD_TAILS; else 3-4 in a 4-row one, 5-6 in a 6-row one) where
// GEMM_MR is larger; BLOCK is GEMM_BLOCK16 or GEMM_BLOCK8.
#if GEMM_MR > 4
#define GEMM_EACH_BLOCK(BLOCK) \
    for (int m0 = mStart; m0 < mEnd;) { \
        if (mEnd - m0 <= 2) { BLOCK(GEMM_FOR_ROWS_2, 2) m0 += 2; } \
        else if (GEMM_ODD_TAILS && mEnd - m0 == 3) { BLOCK(GEMM_FOR_ROWS_3, 3) m0 += 3; } \
        else if (mEnd - m0 <= 4) { BLOCK(GEMM_FOR_ROWS_4, 4) m0 += 4; } \
        else if (GEMM_ODD_TAILS && mEnd - m0 == 5) { BLOCK(GEMM_FOR_ROWS_5, 5) m0 += 5; } \
        else if (mEnd - m0 <= 6) { BLOCK(GEMM_FOR_ROWS_6, 6) m0 += 6; } \
        else if (GEMM_ODD_TAILS && mEnd - m0 == 7) { BLOCK(GEMM_FOR_ROWS_7, 7) m0 += 7; } \
        else { BLOCK(GEMM_FOR_ROWS, GEMM_MR) m0 += GEMM_MR; } \
    }
#elif GEMM_MR > 2
#define GEMM_EACH_BLOCK(BLOCK) \
    for (int m0 = mStart; m0 < mEnd;) { \
        if (mEnd - m0 <= 2) { BLOCK(GEMM_FOR_ROWS_2, 2) m0 += 2; } \
        else if (GEMM_ODD_TAILS && mEnd - m0 == 3) { BLOCK(GEMM_FOR_ROWS_3, 3) m0 += 3; } \
        else { BLOCK(GEMM_FOR_ROWS, GEMM_MR) m0 += GEMM_MR; } \
    }
#else
#define GEMM_EACH_BLOCK(BLOCK) \
    for (int m0 = mStart; m0 < mEnd; m0 += GEMM_MR) { BLOCK(GEMM_FOR_ROWS, GEMM_MR) }
#endif

// GEMM_VEC16 == 0: one block of MR rows from m0 over one panel (panelB, its columns from n).
#define GEMM_BLOCK8(FOR_ROWS, MR) { \
    FOR_ROWS(GEMM_ROW_INIT) \
    __global const float* b = panelB; \
    int k = 0; \
    for (; k + 4 <= K; k += 4) { \
        const float8 b0l = vload8(0, b), b0h = vload8(1, b); \
        const float8 b1l = vload8(2, b), b1h = vload8(3, b); \
        const float8 b2l = vload8(4, b), b2h = vload8(5, b); \
        const float8 b3l = vload8(6, b), b3h = vload8(7, b); \
        b += 64; \
        FOR_ROWS(GEMM_ROW_STEP4) \
    } \
    for (; k < K; ++k) { \
        const float8 bl = vload8(0, b), bh = vload8(1, b); \
        b += 16; \
        FOR_ROWS(GEMM_ROW_STEP1) \
    } \
    const int rows = min(MR, mEnd - m0); \
    FOR_ROWS(GEMM_ROW_STORE) }

// One block of MR rows from m0 (FOR_ROWS names them) over both panels and the whole K, stored
// for the rows that exist: GEMM_VEC16's loop body, written once for each block height.
#define GEMM_BLOCK16(FOR_ROWS, MR) { \
    FOR_ROWS(GEMM_ROW_INIT16) \
    __global const float* bp = panelP; \
    __global const float* bq = panelQ; \
    int k = 0; \
    for (; k + 4 <= K; k += 4) { \
        const float16 bp0 = vload16(0, bp), bp1 = vload16(1, bp), bp2 = vload16(2, bp), bp3 = vload16(3, bp); \
        const float16 bq0 = vload16(0, bq), bq1 = vload16(1, bq), bq2 = vload16(2, bq), bq3 = vload16(3, bq); \
        bp += 64; \
        bq += 64; \
        FOR_ROWS(GEMM_ROW_STEP4_16) \
    } \
    for (; k < K; ++k) { \
        const float16 bp0 = vload16(0, bp), bq0 = vload16(0, bq); \
        bp += 16; \
        bq += 16; \
        FOR_ROWS(GEMM_ROW_STEP1_16) \
    } \
    const int rows = min(MR, mEnd - m0); \
    FOR_ROWS(GEMM_ROW_STORE16) }

// c[0 ..< min(16, cols)] = alpha * (lo, hi) + beta * c (beta == 0: c's old values unread).
static inline void gemm_store_row(__global float* c, float8 lo, float8 hi, float alpha, float beta, int cols) {
    float8 l = alpha * lo, h = alpha * hi;
    if (cols >= 16) {
        if (beta != 0.0f) { l = fma((float8)(beta), vload8(0, c), l); h = fma((float8)(beta), vload8(1, c), h); }
        vstore8(l, 0, c);
        vstore8(h, 1, c);
        return;
    }
    float v[16];
    vstore8(l, 0, v);
    vstore8(h, 1, v);
    for (int j = 0; j < cols; ++j) c[j] = beta == 0.0f ? v[j] : fma(beta, c[j], v[j]);
}

#if GEMM_VEC16
// a (1 x K) times one packed panel (K x 16): k in four chains of FMAs, so that their latency
// does not bound the stream of the panel.
static inline float16 gemv_panel16(__global const float* a, __global const float* panel, int K) {
    float16 s0 = (float16)(0.0f), s1 = s0, s2 = s0, s3 = s0;
    int k = 0;
    for (; k + 4 <= K; k += 4) {
        s0 = fma((float16)(a[k]), vload16(k, panel), s0);
        s1 = fma((float16)(a[k + 1]), vload16(k + 1, panel), s1);
        s2 = fma((float16)(a[k + 2]), vload16(k + 2, panel), s2);
        s3 = fma((float16)(a[k + 3]), vload16(k + 3, panel), s3);
    }
    for (; k < K; ++k) s0 = fma((float16)(a[k]), vload16(k, panel), s0);
    return (s0 + s1) + (s2 + s3);
}
#endif

// packed_block: rows mStart ..< mEnd (at most 8) and columns n0 = p*16 ..< min(n0 + 32, N) of
// C = alpha * A * op(B) + beta * C: panels p and p + 1, or p alone where n0 + 16 >= N.
//   N, K             columns of C (of op(B)) and the depth
//   alpha, beta      scalars; beta == 0 ignores C's old contents
//   A, lda           row-major A (rows of C's rows), at its element (0, 0): offsets applied
//   packed           op(B) as written by pack_b_panels (ceil(N/16) panels of K x 16), at panel 0
//   p                the first panel (any, not only even ones: the whole-sequence kernels' unit
//                    parts are whole panels, so a part may start at an odd one)
//   C, ldc           row-major C at its element (0, 0)
// The caller ensures mStart < mEnd <= mStart + 8 and n0 < N. One row takes a GEMV loop (batch 1:
// memory-bound on the panels) instead of GEMM_MR clamped copies of it.
static inline void packed_block(int N, int K, float alpha,
                                __global const float* A, int lda,
                                __global const float* packed, int p,
                                float beta, __global float* C, int ldc,
                                int mStart, int mEnd) {
    const int n0 = p * 16, mLast = mEnd - 1;
    // A block whose columns n0+16 ..< n0+32 lie past N has one panel (odd ceil(N/16), or the last
    // panel of a unit part); panelQ then points at the first (read by a multi-row block, its
    // results never stored).
    __global const float* panelP = packed + p * K * 16;
    __global const float* panelQ = n0 + 16 < N ? panelP + K * 16 : panelP;

#if GEMM_VEC16
#if GEMM_MR > 1
    if (mEnd - mStart == 1) {
        // One panel after the other, each a single stream: the two read side by side (16*K floats
        // apart) streamed from L2 at about half the rate (a C probe of this loop on Zen 5: 115-125
        // against 215-245 GB/s over 512 KiB). lstm-b1's whole-sequence loop, batch 1, is this loop.
        __global const float* a0 = A + mStart * lda;
        const float16 cp = gemv_panel16(a0, panelP, K);
        __global float* c = C + mStart * ldc + n0;
        gemm_store_row(c, cp.lo, cp.hi, alpha, beta, N - n0);
        if (n0 + 16 < N) {
            const float16 cq = gemv_panel16(a0, panelQ, K);
            gemm_store_row(c + 16, cq.lo, cq.hi, alpha, beta, N - n0 - 16);
        }
        return;
    }
#endif

    // A block of several rows always runs both panels (a one-panel copy of every block height
    // tripled the compile time of gemm.cl with the odd tails, 0.35 -> 1.09 s in clang 15: rusticl's
    // CI steps doubled); where the second does not exist it reads the first and stores nothing.
    GEMM_EACH_BLOCK(GEMM_BLOCK16)
#else
    // One panel after the other: 8 rows of two float8 accumulators each already fill 16 registers.
    for (int side = 0; side < 2; ++side) {
        const int n = n0 + side * 16;
        if (n >= N) break;
        __global const float* panelB = side == 0 ? panelP : panelQ;
#if GEMM_MR > 1
        if (mEnd - mStart == 1) {
            __global const float* a0 = A + mStart * lda;
            __global const float* b = panelB;
            float8 lo = (float8)(0.0f), hi = (float8)(0.0f);
            for (int k = 0; k < K; ++k, b += 16) {
                const float8 av = (float8)(a0[k]);
                lo = fma(av, vload8(0, b), lo);
                hi = fma(av, vload8(1, b), hi);
            }
            gemm_store_row(C + mStart * ldc + n, lo, hi, alpha, beta, N - n);
            continue;
        }
#endif

        GEMM_EACH_BLOCK(GEMM_BLOCK8)
    }
#endif
}

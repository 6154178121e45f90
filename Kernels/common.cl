// Shared device code, prepended to every other file's program (the host builds each program from
// common.cl + the kernel file, CLBlast-style). It defines no kernel. The cells' math is in
// rnn_cell.cl, lstm_cell.cl and gru_cell.cl, over the unit type of units.cl; the kernel files
// that need them include them.

// exp, not native_exp: OpenCL 1.2 bounds exp to 3 ulp on every device, where native_exp has no
// bound in the specification (a few ulp on current GPUs, but a vendor may trade more away), and
// every device must agree with the CPU reference. (A -D switch to native_exp existed; nothing set
// it, and no device was measured to gain from it.)

// The whole-sequence kernels' unit width (sequence_forward.cl, sequence_backward.cl): 16 units
// where the compiler targets AVX-512 (one zmm register), else 8 (a -D RECUR_WIDE_UNITS=8 or 16
// chooses). Those kernels set RECUR_UNIT_WIDTH (units.cl) to it.
#ifndef RECUR_WIDE_UNITS
#if defined(__AVX512F__)
#define RECUR_WIDE_UNITS 16
#else
#define RECUR_WIDE_UNITS 8
#endif
#endif

// Dot products along K for the fused recurrent steps (lstm_fused_forward.cl and the others): one
// work-item walks a whole row with float8 loads and fma(), because POCL's implicit vectoriser
// (which packs work-items, not k) ran scalar dot products at 3-5 GFLOP/s (DESIGN.md, "Fast
// OpenCL on POCL"). vload8 needs only float alignment, so rows may start anywhere; a scalar tail
// covers K not a multiple of 8.

// Sum of the eight lanes, pairwise.
static inline float hsum8(float8 v) {
    const float4 q = v.lo + v.hi;
    const float2 p = q.lo + q.hi;
    return p.x + p.y;
}

// sum over k < n of a[k] * b[k]. Two accumulators, so that consecutive fma()s do not wait on
// each other's latency.
static inline float dot_f8(__global const float* a, __global const float* b, int n) {
    float8 acc0 = 0.0f, acc1 = 0.0f;
    int k = 0;
    for (; k + 16 <= n; k += 16) {
        acc0 = fma(vload8(0, a + k), vload8(0, b + k), acc0);
        acc1 = fma(vload8(0, a + k + 8), vload8(0, b + k + 8), acc1);
    }
    if (k + 8 <= n) {
        acc0 = fma(vload8(0, a + k), vload8(0, b + k), acc0);
        k += 8;
    }
    float sum = hsum8(acc0 + acc1);
    for (; k < n; ++k) sum = fma(a[k], b[k], sum);
    return sum;
}

// The dot products of h (n floats) with three or four rows w, w + stride, w + 2*stride, ...:
// one gate each of a hidden unit's rows of W_hh. h is loaded once per chunk for all the rows.
static inline float3 dot3_f8(__global const float* h, __global const float* w, size_t stride, int n) {
    __global const float* w1 = w + stride;
    __global const float* w2 = w1 + stride;
    float8 a0 = 0.0f, a1 = 0.0f, a2 = 0.0f;
    int k = 0;
    for (; k + 8 <= n; k += 8) {
        const float8 x = vload8(0, h + k);
        a0 = fma(x, vload8(0, w + k), a0);
        a1 = fma(x, vload8(0, w1 + k), a1);
        a2 = fma(x, vload8(0, w2 + k), a2);
    }
    float3 sum = (float3)(hsum8(a0), hsum8(a1), hsum8(a2));
    for (; k < n; ++k) sum = fma((float3)(h[k]), (float3)(w[k], w1[k], w2[k]), sum);
    return sum;
}

static inline float4 dot4_f8(__global const float* h, __global const float* w, size_t stride, int n) {
    __global const float* w1 = w + stride;
    __global const float* w2 = w1 + stride;
    __global const float* w3 = w2 + stride;
    float8 a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
    int k = 0;
    for (; k + 8 <= n; k += 8) {
        const float8 x = vload8(0, h + k);
        a0 = fma(x, vload8(0, w + k), a0);
        a1 = fma(x, vload8(0, w1 + k), a1);
        a2 = fma(x, vload8(0, w2 + k), a2);
        a3 = fma(x, vload8(0, w3 + k), a3);
    }
    float4 sum = (float4)(hsum8(a0), hsum8(a1), hsum8(a2), hsum8(a3));
    for (; k < n; ++k) sum = fma((float4)(h[k]), (float4)(w[k], w1[k], w2[k], w3[k]), sum);
    return sum;
}

// A kernel whose work-item handles RECUR_UNIT_WIDTH consecutive units, j ..< j + n, of one row
// (units.cl): hidden need not be a multiple of the width, so a row's last chunk may have fewer.
// RECUR_CHUNKED(body) runs the body with n a compile-time RECUR_UNIT_WIDTH for full chunks, where
// every unit_load and unit_store is a plain vload/vstore (with n known only at run time, the
// partial-chunk branches cost 20-40% of the Elman step on POCL), and with the run-time n for a
// row's last chunk. Expects hidden and j in scope.
#define RECUR_CHUNKED(...)                                            \
    if (hidden - j >= RECUR_UNIT_WIDTH) {                             \
        const int n = RECUR_UNIT_WIDTH;                               \
        __VA_ARGS__                                                   \
    } else {                                                          \
        const int n = hidden - j;                                     \
        __VA_ARGS__                                                   \
    }

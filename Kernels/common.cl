// Shared device math, prepended to every other file's program (the host builds each program from
// common.cl + the kernel file, CLBlast-style). It defines no kernel.
//
// Derivatives take the activation's OUTPUT, which is what a forward pass saves for the backward:
// d sigmoid(x)/dx = y (1 - y) and d tanh(x)/dx = 1 - y^2 with y the output.

// exp or native_exp. OpenCL 1.2 bounds exp to 3 ulp on every device; native_exp has no bound in
// the specification (it is a few ulp on current GPUs, but a vendor may trade more accuracy away).
// exp is the default so every device agrees with the CPU reference; a device where native_exp is
// measured to be both faster and accurate enough opts in with -D RECUR_NATIVE_EXP=1.
#ifndef RECUR_NATIVE_EXP
#define RECUR_NATIVE_EXP 0
#endif
#if RECUR_NATIVE_EXP
#define RECUR_EXP native_exp
#else
#define RECUR_EXP exp
#endif

// 1 / (1 + e^-x). Saturates cleanly: e^-x overflows to +inf for x < -88, giving exactly 0.
static inline float sigmoid_f(float x) { return 1.0f / (1.0f + RECUR_EXP(-x)); }
static inline float8 sigmoid_f8(float8 x) { return 1.0f / (1.0f + RECUR_EXP(-x)); }

// tanh(x) = 1 - 2 / (e^{2x} + 1): one exp, and exact limits (+inf gives 1, 0 gives -1) instead of
// the inf/inf of (e^{2x} - 1) / (e^{2x} + 1). Near 0 the subtraction cancels, so the error is
// absolute (about 1e-7), not relative; the recurrences only ever add tanh to O(1) quantities.
static inline float tanh_f(float x) { return 1.0f - 2.0f / (RECUR_EXP(2.0f * x) + 1.0f); }
static inline float8 tanh_f8(float8 x) { return 1.0f - 2.0f / (RECUR_EXP(2.0f * x) + 1.0f); }

// Derivatives from outputs: y = sigmoid(x) or y = tanh(x).
static inline float dsigmoid(float y) { return y * (1.0f - y); }
static inline float8 dsigmoid8(float8 y) { return y * (1.0f - y); }
static inline float dtanh(float y) { return 1.0f - y * y; }
static inline float8 dtanh8(float8 y) { return 1.0f - y * y; }

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

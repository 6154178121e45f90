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

// Activations and their derivatives for one unit (float, suffix _f) or eight consecutive units
// (float8, suffix _f8): the cell units below are written once for both.
// sigmoid: 1 / (1 + e^-x). Saturates cleanly: e^-x overflows to +inf for x < -88, giving exactly 0.
// tanh: 1 - 2 / (e^{2x} + 1): one exp, and exact limits (+inf gives 1, 0 gives -1) instead of
// the inf/inf of (e^{2x} - 1) / (e^{2x} + 1). Near 0 the subtraction cancels, so the error is
// absolute (about 1e-7), not relative; the recurrences only ever add tanh to O(1) quantities.
// Derivatives take outputs: y = sigmoid(x) or y = tanh(x).
#define RECUR_ACTIVATIONS(T, S)                                                          \
    static inline T sigmoid##S(T x) { return 1.0f / (1.0f + RECUR_EXP(-x)); }            \
    static inline T tanh##S(T x) { return 1.0f - 2.0f / (RECUR_EXP(2.0f * x) + 1.0f); }  \
    static inline T dsigmoid##S(T y) { return y * (1.0f - y); }                          \
    static inline T dtanh##S(T y) { return 1.0f - y * y; }
RECUR_ACTIVATIONS(float, _f)
RECUR_ACTIVATIONS(float8, _f8)

// Loads and stores of n units at p: one (float; n is 1) or up to eight consecutive ones (float8).
// A row's last chunk of eight may be partial: missing lanes load as 0 and are not stored.
static inline float load_f(__global const float* p, int n) { return p[0]; }
static inline void store_f(float v, __global float* p, int n) { p[0] = v; }
static inline float8 load_f8(__global const float* p, int n) {
    if (n >= 8) return vload8(0, p);
    float lanes[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
    for (int k = 0; k < n; ++k) lanes[k] = p[k];
    return vload8(0, lanes);
}
static inline void store_f8(float8 v, __global float* p, int n) {
    if (n >= 8) {
        vstore8(v, 0, p);
        return;
    }
    float lanes[8];
    vstore8(v, 0, lanes);
    for (int k = 0; k < n; ++k) p[k] = lanes[k];
}
// The whole-sequence kernels' width (sequence_forward.cl, sequence_backward.cl): floatw, suffix
// _fw, holds RECUR_WIDE_UNITS consecutive units: 16 where the compiler targets AVX-512 (one zmm
// register), else 8 (a -D RECUR_WIDE_UNITS=8 or 16 chooses).
#ifndef RECUR_WIDE_UNITS
#if defined(__AVX512F__)
#define RECUR_WIDE_UNITS 16
#else
#define RECUR_WIDE_UNITS 8
#endif
#endif
#if RECUR_WIDE_UNITS == 16
typedef float16 floatw;
#define RECUR_WIDE_LOAD vload16
#define RECUR_WIDE_STORE vstore16
#elif RECUR_WIDE_UNITS == 8
typedef float8 floatw;
#define RECUR_WIDE_LOAD vload8
#define RECUR_WIDE_STORE vstore8
#else
#error "RECUR_WIDE_UNITS must be 8 or 16"
#endif
static inline floatw load_fw(__global const float* p, int n) {
    if (n >= RECUR_WIDE_UNITS) return RECUR_WIDE_LOAD(0, p);
    float lanes[RECUR_WIDE_UNITS];
    for (int k = 0; k < RECUR_WIDE_UNITS; ++k) lanes[k] = k < n ? p[k] : 0.0f;
    return RECUR_WIDE_LOAD(0, lanes);
}
static inline void store_fw(floatw v, __global float* p, int n) {
    if (n >= RECUR_WIDE_UNITS) {
        RECUR_WIDE_STORE(v, 0, p);
        return;
    }
    float lanes[RECUR_WIDE_UNITS];
    RECUR_WIDE_STORE(v, 0, lanes);
    for (int k = 0; k < n; ++k) p[k] = lanes[k];
}
RECUR_ACTIVATIONS(floatw, _fw)

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

// Cell units: the arithmetic of hidden units j ..< j+n of one batch row, written once (as macros
// instantiated for T = float with n = 1, suffix _f, and for T = float8 with n <= 8, suffix _f8)
// for the per-step cell kernels (rnn_/lstm_/gru_forward.cl and _backward.cl) and the fused ones
// (*_fused_*.cl, one unit a work-item, which also do the dot products). The kernels differ only in
// where the recurrent part comes from (hProj, or their own dot products) and where dh_t comes
// from. Every pointer is already at unit j; gate k of the unit is at k * hidden. Rows past their
// sequence's length are told apart by the kernels, which then call the *_past_end units instead
// (their effect is defined once, here). Forward beside backward; the
// equations are in Backend.swift (CellForwardStep, CellBackwardStep).
// Which width each per-step kernel uses was measured on POCL (AMD EPYC, device time per launch,
// old and new binaries alternated): eight units a work-item (float8) made the Elman steps 35-45%
// faster (forward 83-93 -> 49-56 us, backward 35-43 -> 25-30 us on rnn-tanh-medium), but the LSTM
// and GRU backward steps 15-25% slower and their forward steps only 0-20% faster, so those stay
// at one unit a work-item (scalars, which POCL vectorises across work-items).
#define RECUR_CELL_UNITS(T, S)                                                                        \
/* Rows past their sequence's end (the kernels test time >= lengths[b]): forward, h_t (and c_t)       \
   carry h_{t-1} (c_{t-1}) and the output is 0; backward, dh_t (and dc_t) pass to t-1 unchanged       \
   and every gate gradient is 0. */                                                                   \
static inline void unit_forward_past_end##S(T hOld, __global float* h, __global float* out, int n) {  \
    store##S(hOld, h, n);                                                                             \
    store##S((T)(0.0f), out, n);                                                                      \
}                                                                                                     \
static inline void gates_zero##S(__global float* g, int gates, int hidden, int n) {                   \
    for (int k = 0; k < gates; ++k) store##S((T)(0.0f), g + k * hidden, n);                           \
}                                                                                                     \
static inline void rnn_unit_backward_past_end##S(T dhIn, __global float* dgx, __global float* dgh,    \
                                                 __global float* dhp, int n) {                        \
    store##S(dhIn, dhp, n);                                                                           \
    store##S((T)(0.0f), dgx, n);                                                                      \
    store##S((T)(0.0f), dgh, n);                                                                      \
}                                                                                                     \
static inline void lstm_unit_backward_past_end##S(T dhIn, T dcIn, int hidden, __global float* dg,     \
                                                  __global float* dcp, __global float* dhp, int n) {  \
    store##S(dhIn, dhp, n);                                                                           \
    store##S(dcIn, dcp, n);                                                                           \
    gates_zero##S(dg, 4, hidden, n);                                                                  \
}                                                                                                     \
static inline void gru_unit_backward_past_end##S(T dhIn, int hidden, __global float* dgx,             \
                                                 __global float* dgh, __global float* dhp, int n) {   \
    store##S(dhIn, dhp, n);                                                                           \
    gates_zero##S(dgx, 3, hidden, n);                                                                 \
    gates_zero##S(dgh, 3, hidden, n);                                                                 \
}                                                                                                     \
/* Elman: h = act(pre + b_ih + b_hh); writes h and the output. */                                     \
static inline void rnn_unit_forward##S(T pre, __global const float* bi, __global const float* bh,    \
                                       int hasBias, int relu, __global float* h, __global float* out, \
                                       int n) {                                                       \
    if (hasBias) pre += load##S(bi, n) + load##S(bh, n);                                              \
    const T value = relu ? select(pre, (T)(0.0f), pre < (T)(0.0f)) : tanh##S(pre);                    \
    store##S(value, h, n);                                                                            \
    store##S(value, out, n);                                                                          \
}                                                                                                     \
/* dpre = dh * act'(h_t) into both gate gradients; the direct part of dh_{t-1} is 0. */               \
static inline void rnn_unit_backward##S(T dh, T hOut, int relu, __global float* dgx,                 \
                                        __global float* dgh, __global float* dhp, int n) {            \
    const T dPre = relu ? select(dh, (T)(0.0f), hOut <= (T)(0.0f)) : dh * dtanh##S(hOut);             \
    store##S(dPre, dgx, n);                                                                           \
    store##S(dPre, dgh, n);                                                                           \
    store##S((T)(0.0f), dhp, n);                                                                      \
}                                                                                                     \
/* LSTM: preI..preO = x_t W_ih^T + h_{t-1} W_hh^T of the four gates, without bias. Writes c_t, h_t,   \
   the output and, when hasSaved, (i, f, g, o, tanh c_t) at s. */                                     \
static inline void lstm_unit_forward##S(T preI, T preF, T preG, T preO,                              \
                                        __global const float* bi, __global const float* bh,           \
                                        int hasBias, int hidden, T cOld, __global float* h,           \
                                        __global float* c, __global float* out, __global float* s,    \
                                        int hasSaved, int n) {                                        \
    if (hasBias) {                                                                                    \
        preI += load##S(bi, n) + load##S(bh, n);                                                      \
        preF += load##S(bi + hidden, n) + load##S(bh + hidden, n);                                    \
        preG += load##S(bi + 2 * hidden, n) + load##S(bh + 2 * hidden, n);                            \
        preO += load##S(bi + 3 * hidden, n) + load##S(bh + 3 * hidden, n);                            \
    }                                                                                                 \
    const T i = sigmoid##S(preI), f = sigmoid##S(preF), g = tanh##S(preG), o = sigmoid##S(preO);      \
    const T cNew = fma(f, cOld, i * g);                                                               \
    const T tc = tanh##S(cNew);                                                                       \
    const T hNew = o * tc;                                                                            \
    store##S(cNew, c, n);                                                                             \
    store##S(hNew, h, n);                                                                             \
    store##S(hNew, out, n);                                                                           \
    if (hasSaved) {                                                                                   \
        store##S(i, s, n);                                                                            \
        store##S(f, s + hidden, n);                                                                   \
        store##S(g, s + 2 * hidden, n);                                                               \
        store##S(o, s + 3 * hidden, n);                                                               \
        store##S(tc, s + 4 * hidden, n);                                                              \
    }                                                                                                 \
}                                                                                                     \
/* dh = the gradient of h_t (output's included), dcIn of c_t; s = what lstm_unit_forward saved.       \
   Writes the four gate gradients (dGatesH is dGatesX's view for the LSTM), dc_{t-1} and the direct   \
   part of dh_{t-1} (0). */                                                                           \
static inline void lstm_unit_backward##S(T dh, T dcIn, T cOld, __global const float* s, int hidden,  \
                                         __global float* dg, __global float* dcp, __global float* dhp,\
                                         int n) {                                                     \
    const T i = load##S(s, n), f = load##S(s + hidden, n), g = load##S(s + 2 * hidden, n);            \
    const T o = load##S(s + 3 * hidden, n), tc = load##S(s + 4 * hidden, n);                          \
    const T dc = dcIn + dh * o * dtanh##S(tc);                                                        \
    store##S(dc * g * dsigmoid##S(i), dg, n);                                                         \
    store##S(dc * cOld * dsigmoid##S(f), dg + hidden, n);                                             \
    store##S(dc * i * dtanh##S(g), dg + 2 * hidden, n);                                               \
    store##S(dh * tc * dsigmoid##S(o), dg + 3 * hidden, n);                                           \
    store##S(dc * f, dcp, n);                                                                         \
    store##S((T)(0.0f), dhp, n);                                                                      \
}                                                                                                     \
/* GRU: xr, xz, xn = x_t W_ih^T and hr, hz, hn = h_{t-1} W_hh^T of the three gates, without bias.     \
   Writes h_t, the output and, when hasSaved, (r, z, n, hn + b_hn) at s. */                           \
static inline void gru_unit_forward##S(T xr, T xz, T xn, T hr, T hz, T hn,                           \
                                       __global const float* bi, __global const float* bh,            \
                                       int hasBias, int hidden, T hOld, __global float* h,            \
                                       __global float* out, __global float* s, int hasSaved, int n) { \
    if (hasBias) {                                                                                    \
        xr += load##S(bi, n); xz += load##S(bi + hidden, n); xn += load##S(bi + 2 * hidden, n);       \
        hr += load##S(bh, n); hz += load##S(bh + hidden, n); hn += load##S(bh + 2 * hidden, n);       \
    }                                                                                                 \
    const T r = sigmoid##S(xr + hr), z = sigmoid##S(xz + hz);                                         \
    const T nGate = tanh##S(fma(r, hn, xn));                                                          \
    const T hNew = fma(z, hOld, (1.0f - z) * nGate);                                                  \
    store##S(hNew, h, n);                                                                             \
    store##S(hNew, out, n);                                                                           \
    if (hasSaved) {                                                                                   \
        store##S(r, s, n);                                                                            \
        store##S(z, s + hidden, n);                                                                   \
        store##S(nGate, s + 2 * hidden, n);                                                           \
        store##S(hn, s + 3 * hidden, n);                                                              \
    }                                                                                                 \
}                                                                                                     \
/* dh = the gradient of h_t (output's included); s = what gru_unit_forward saved. Writes dGatesX,     \
   dGatesH (n block times r) and the direct part of dh_{t-1}, dh * z. */                              \
static inline void gru_unit_backward##S(T dh, T hOld, __global const float* s, int hidden,           \
                                        __global float* dgx, __global float* dgh, __global float* dhp,\
                                        int n) {                                                      \
    const T r = load##S(s, n), z = load##S(s + hidden, n), nGate = load##S(s + 2 * hidden, n);        \
    const T hn = load##S(s + 3 * hidden, n);                                                          \
    const T dPreN = dh * (1.0f - z) * dtanh##S(nGate);                                                \
    const T dPreZ = dh * (hOld - nGate) * dsigmoid##S(z);                                             \
    const T dPreR = dPreN * hn * dsigmoid##S(r);                                                      \
    store##S(dPreR, dgx, n); store##S(dPreZ, dgx + hidden, n); store##S(dPreN, dgx + 2 * hidden, n);  \
    store##S(dPreR, dgh, n); store##S(dPreZ, dgh + hidden, n);                                        \
    store##S(dPreN * r, dgh + 2 * hidden, n);                                                         \
    store##S(dh * z, dhp, n);                                                                         \
}
RECUR_CELL_UNITS(float, _f)
RECUR_CELL_UNITS(float8, _f8)
RECUR_CELL_UNITS(floatw, _fw)

// The float8 per-step cell kernels (Elman) give a work-item eight consecutive units, j ..< j + n,
// of one row; hidden need not be a multiple of 8, so a row's last chunk may have n < 8.
// RECUR_CHUNKED(body) runs the body with n a compile-time 8 for full chunks, where every load_f8
// and store_f8 is a plain vload8/vstore8 (with n known only at run time, the partial-chunk
// branches cost 20-40% of the step on POCL), and with the run-time n for a row's last chunk.
// Expects hidden and j in scope.
// RECUR_CHUNKED_BY(width, body) is the same for chunks of `width` units (the whole-sequence
// kernels: RECUR_WIDE_UNITS).
#define RECUR_UNITS_PER_ITEM 8
#define RECUR_CHUNKED(...) RECUR_CHUNKED_BY(RECUR_UNITS_PER_ITEM, __VA_ARGS__)
#define RECUR_CHUNKED_BY(width, ...)                                  \
    if (hidden - j >= (width)) {                                      \
        const int n = (width);                                        \
        __VA_ARGS__                                                   \
    } else {                                                          \
        const int n = hidden - j;                                     \
        __VA_ARGS__                                                   \
    }

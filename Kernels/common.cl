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

// Cell units: the arithmetic of one hidden unit j of one batch row, written once for the per-step
// cell kernels (rnn_/lstm_/gru_forward.cl and _backward.cl) and the fused ones (*_fused_*.cl),
// which differ only in where the recurrent part comes from (hProj, or their own dot products) and
// where dh_t comes from. Every pointer is already at unit j; gate k of the unit is at k * hidden.
// Rows past their sequence's length are handled by the kernels before they get here. Forward
// beside backward; the equations are in Backend.swift (CellForwardStep, CellBackwardStep).
// Scalars only: POCL vectorises these kernels across work-items, and float4 values in a
// work-item's code made the per-step LSTM and GRU steps 10-20% slower there.

// Elman: h = act(pre + b_ih + b_hh); writes h and the output.
static inline void rnn_unit_forward(float pre, __global const float* bi, __global const float* bh, int hasBias,
                                    int relu, __global float* h, __global float* out) {
    if (hasBias) pre += bi[0] + bh[0];
    const float value = relu ? (pre < 0.0f ? 0.0f : pre) : tanh_f(pre);
    *h = value;
    *out = value;
}
// dpre = dh * act'(h_t) into both gate gradients; the direct part of dh_{t-1} is 0.
static inline void rnn_unit_backward(float dh, float hOut, int relu, __global float* dgx, __global float* dgh,
                                     __global float* dhp) {
    const float dPre = relu ? (hOut <= 0.0f ? 0.0f : dh) : dh * dtanh(hOut);
    *dgx = dPre;
    *dgh = dPre;
    *dhp = 0.0f;
}

// LSTM: preI..preO = x_t W_ih^T + h_{t-1} W_hh^T of the four gates, without bias. Writes c_t, h_t,
// the output and, when hasSaved, (i, f, g, o, tanh c_t) at s.
static inline void lstm_unit_forward(float preI, float preF, float preG, float preO,
                                     __global const float* bi, __global const float* bh, int hasBias,
                                     int hidden, float cOld, __global float* h, __global float* c,
                                     __global float* out, __global float* s, int hasSaved) {
    if (hasBias) {
        preI += bi[0] + bh[0];
        preF += bi[hidden] + bh[hidden];
        preG += bi[2 * hidden] + bh[2 * hidden];
        preO += bi[3 * hidden] + bh[3 * hidden];
    }
    const float i = sigmoid_f(preI), f = sigmoid_f(preF), g = tanh_f(preG), o = sigmoid_f(preO);
    const float cNew = fma(f, cOld, i * g);
    const float tc = tanh_f(cNew);
    const float hNew = o * tc;
    *c = cNew;
    *h = hNew;
    *out = hNew;
    if (hasSaved) {
        s[0] = i;
        s[hidden] = f;
        s[2 * hidden] = g;
        s[3 * hidden] = o;
        s[4 * hidden] = tc;
    }
}
// dh = the gradient of h_t (output's included), dcIn of c_t; s = what lstm_unit_forward saved.
// Writes the four gate gradients (dGatesH is dGatesX's view for the LSTM), dc_{t-1} and the direct
// part of dh_{t-1} (0).
static inline void lstm_unit_backward(float dh, float dcIn, float cOld, __global const float* s, int hidden,
                                      __global float* dg, __global float* dcp, __global float* dhp) {
    const float i = s[0], f = s[hidden], g = s[2 * hidden], o = s[3 * hidden], tc = s[4 * hidden];
    const float dc = dcIn + dh * o * dtanh(tc);
    dg[0] = dc * g * dsigmoid(i);
    dg[hidden] = dc * cOld * dsigmoid(f);
    dg[2 * hidden] = dc * i * dtanh(g);
    dg[3 * hidden] = dh * tc * dsigmoid(o);
    *dcp = dc * f;
    *dhp = 0.0f;
}

// GRU: xr, xz, xn = x_t W_ih^T and hr, hz, hn = h_{t-1} W_hh^T of the three gates, without bias.
// Writes h_t, the output and, when hasSaved, (r, z, n, hn + b_hn) at s.
static inline void gru_unit_forward(float xr, float xz, float xn, float hr, float hz, float hn,
                                    __global const float* bi, __global const float* bh, int hasBias, int hidden,
                                    float hOld, __global float* h, __global float* out, __global float* s,
                                    int hasSaved) {
    if (hasBias) {
        xr += bi[0]; xz += bi[hidden]; xn += bi[2 * hidden];
        hr += bh[0]; hz += bh[hidden]; hn += bh[2 * hidden];
    }
    const float r = sigmoid_f(xr + hr), z = sigmoid_f(xz + hz);
    const float n = tanh_f(fma(r, hn, xn));
    const float hNew = fma(z, hOld, (1.0f - z) * n);
    *h = hNew;
    *out = hNew;
    if (hasSaved) {
        s[0] = r;
        s[hidden] = z;
        s[2 * hidden] = n;
        s[3 * hidden] = hn;
    }
}
// dh = the gradient of h_t (output's included); s = what gru_unit_forward saved. Writes dGatesX,
// dGatesH (n block times r) and the direct part of dh_{t-1}, dh * z.
static inline void gru_unit_backward(float dh, float hOld, __global const float* s, int hidden,
                                     __global float* dgx, __global float* dgh, __global float* dhp) {
    const float r = s[0], z = s[hidden], n = s[2 * hidden], hn = s[3 * hidden];
    const float dPreN = dh * (1.0f - z) * dtanh(n);
    const float dPreZ = dh * (hOld - n) * dsigmoid(z);
    const float dPreR = dPreN * hn * dsigmoid(r);
    dgx[0] = dPreR; dgx[hidden] = dPreZ; dgx[2 * hidden] = dPreN;
    dgh[0] = dPreR; dgh[hidden] = dPreZ; dgh[2 * hidden] = dPreN * r;
    *dhp = dh * z;
}

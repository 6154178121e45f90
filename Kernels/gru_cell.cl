// GRU cell math (PyTorch's gate order r, z, n), one call per RECUR_UNIT_WIDTH units of one batch
// row (units.cl), forward beside backward. The kernels that run it: gru_forward.cl,
// gru_backward.cl (per step), gru_fused_*.cl (fused steps), sequence_*.cl (whole sequences).
// The equations as the CPU backend and Backend.swift (CellForwardStep, CellBackwardStep) state them:
//   forward   (xr, xz, xn) = x_t W_ih^T + b_ih,  (hr, hz, hn) = h_{t-1} W_hh^T + b_hh
//             r = sigmoid(xr + hr), z = sigmoid(xz + hz), n = tanh(xn + r hn)
//             h_t = (1 - z) n + z h_{t-1}
//   backward  dh = dh_t (the output's included)
//             dpn = dh (1-z) (1-n^2), dpz = dh (h_{t-1} - n) z(1-z), dpr = dpn hn r(1-r)
//             dGatesX = (dpr, dpz, dpn), dGatesH = (dpr, dpz, dpn r)
//             the direct part of dh_{t-1} is dh z (the host adds dGatesH W_hh)
// Saved per row for the backward: (r, z, n, hn + b_hn), 4H.
// Every pointer is already at unit j; gate k of the unit is at k * hidden.

#include "units.cl"

// xr, xz, xn = x_t W_ih^T and hr, hz, hn = h_{t-1} W_hh^T of the three gates, without bias. Writes
// h_t, the output and, when hasSaved, (r, z, n, hn + b_hn) at s.
static inline void gru_unit_forward(unit_t xr, unit_t xz, unit_t xn, unit_t hr, unit_t hz, unit_t hn,
                                    __global const float* bi, __global const float* bh, int hasBias, int hidden,
                                    unit_t hOld, __global float* h, __global float* out, __global float* s,
                                    int hasSaved, int n) {
    if (hasBias) {
        xr += unit_load(bi, n); xz += unit_load(bi + hidden, n); xn += unit_load(bi + 2 * hidden, n);
        hr += unit_load(bh, n); hz += unit_load(bh + hidden, n); hn += unit_load(bh + 2 * hidden, n);
    }
    const unit_t r = unit_sigmoid(xr + hr), z = unit_sigmoid(xz + hz);
    const unit_t nGate = unit_tanh(fma(r, hn, xn));
    const unit_t hNew = fma(z, hOld, (1.0f - z) * nGate);
    unit_store(hNew, h, n);
    unit_store(hNew, out, n);
    if (hasSaved) {
        unit_store(r, s, n);
        unit_store(z, s + hidden, n);
        unit_store(nGate, s + 2 * hidden, n);
        unit_store(hn, s + 3 * hidden, n);
    }
}

// dh = the gradient of h_t (the output's included); s = what gru_unit_forward saved. Writes
// dGatesX, dGatesH (the n block times r) and the direct part of dh_{t-1}, dh * z.
static inline void gru_unit_backward(unit_t dh, unit_t hOld, __global const float* s, int hidden,
                                     __global float* dgx, __global float* dgh, __global float* dhp, int n) {
    const unit_t r = unit_load(s, n), z = unit_load(s + hidden, n), nGate = unit_load(s + 2 * hidden, n);
    const unit_t hn = unit_load(s + 3 * hidden, n);
    const unit_t dPreN = dh * (1.0f - z) * unit_dtanh(nGate);
    const unit_t dPreZ = dh * (hOld - nGate) * unit_dsigmoid(z);
    const unit_t dPreR = dPreN * hn * unit_dsigmoid(r);
    unit_store(dPreR, dgx, n); unit_store(dPreZ, dgx + hidden, n); unit_store(dPreN, dgx + 2 * hidden, n);
    unit_store(dPreR, dgh, n); unit_store(dPreZ, dgh + hidden, n);
    unit_store(dPreN * r, dgh + 2 * hidden, n);
    unit_store(dh * z, dhp, n);
}

// Past the sequence's end: dh_t passes to t-1 unchanged, the gate gradients are 0.
static inline void gru_unit_backward_past_end(unit_t dhIn, int hidden, __global float* dgx, __global float* dgh,
                                              __global float* dhp, int n) {
    unit_store(dhIn, dhp, n);
    unit_gates_zero(dgx, 3, hidden, n);
    unit_gates_zero(dgh, 3, hidden, n);
}

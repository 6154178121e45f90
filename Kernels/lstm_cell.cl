// LSTM cell math (PyTorch's gate order i, f, g, o), one call per RECUR_UNIT_WIDTH units of one
// batch row (units.cl), forward beside backward. The kernels that run it: lstm_forward.cl,
// lstm_backward.cl (per step), lstm_fused_*.cl (fused steps), sequence_*.cl (whole sequences).
// The equations as the CPU backend and Backend.swift (CellForwardStep, CellBackwardStep) state them:
//   forward   (pi, pf, pg, po) = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh
//             i = sigmoid(pi), f = sigmoid(pf), g = tanh(pg), o = sigmoid(po)
//             c_t = f c_{t-1} + i g,  h_t = o tanh(c_t)
//   backward  dh = dh_t (the output's included), dc = dc_t + dh o (1 - tanh(c_t)^2)
//             dpi = dc g i(1-i), dpf = dc c_{t-1} f(1-f), dpg = dc i (1-g^2), dpo = dh tanh(c_t) o(1-o)
//             dc_{t-1} = dc f; the direct part of dh_{t-1} is 0 (the host adds dGates W_hh)
// Saved per row for the backward: (i, f, g, o, tanh c_t), 5H. dGatesH equals dGatesX (one buffer).
// Every pointer is already at unit j; gate k of the unit is at k * hidden.

#include "units.cl"

// preI..preO = x_t W_ih^T + h_{t-1} W_hh^T of the four gates, without bias. Writes c_t, h_t, the
// output and, when hasSaved, (i, f, g, o, tanh c_t) at s.
static inline void lstm_unit_forward(unit_t preI, unit_t preF, unit_t preG, unit_t preO,
                                     __global const float* bi, __global const float* bh, int hasBias, int hidden,
                                     unit_t cOld, __global float* h, __global float* c, __global float* out,
                                     __global float* s, int hasSaved, int n) {
    if (hasBias) {
        preI += unit_load(bi, n) + unit_load(bh, n);
        preF += unit_load(bi + hidden, n) + unit_load(bh + hidden, n);
        preG += unit_load(bi + 2 * hidden, n) + unit_load(bh + 2 * hidden, n);
        preO += unit_load(bi + 3 * hidden, n) + unit_load(bh + 3 * hidden, n);
    }
    const unit_t i = unit_sigmoid(preI), f = unit_sigmoid(preF), g = unit_tanh(preG), o = unit_sigmoid(preO);
    const unit_t cNew = fma(f, cOld, i * g);
    const unit_t tc = unit_tanh(cNew);
    const unit_t hNew = o * tc;
    unit_store(cNew, c, n);
    unit_store(hNew, h, n);
    unit_store(hNew, out, n);
    if (hasSaved) {
        unit_store(i, s, n);
        unit_store(f, s + hidden, n);
        unit_store(g, s + 2 * hidden, n);
        unit_store(o, s + 3 * hidden, n);
        unit_store(tc, s + 4 * hidden, n);
    }
}

// dh = the gradient of h_t (the output's included), dcIn of c_t; s = what lstm_unit_forward saved.
// Writes the four gate gradients at dg, dc_{t-1} and the direct part of dh_{t-1} (0).
static inline void lstm_unit_backward(unit_t dh, unit_t dcIn, unit_t cOld, __global const float* s, int hidden,
                                      __global float* dg, __global float* dcp, __global float* dhp, int n) {
    const unit_t i = unit_load(s, n), f = unit_load(s + hidden, n), g = unit_load(s + 2 * hidden, n);
    const unit_t o = unit_load(s + 3 * hidden, n), tc = unit_load(s + 4 * hidden, n);
    const unit_t dc = dcIn + dh * o * unit_dtanh(tc);
    unit_store(dc * g * unit_dsigmoid(i), dg, n);
    unit_store(dc * cOld * unit_dsigmoid(f), dg + hidden, n);
    unit_store(dc * i * unit_dtanh(g), dg + 2 * hidden, n);
    unit_store(dh * tc * unit_dsigmoid(o), dg + 3 * hidden, n);
    unit_store(dc * f, dcp, n);
    unit_store((unit_t)(0.0f), dhp, n);
}

// Past the sequence's end: dh_t and dc_t pass to t-1 unchanged, the gate gradients are 0.
static inline void lstm_unit_backward_past_end(unit_t dhIn, unit_t dcIn, int hidden, __global float* dg,
                                               __global float* dcp, __global float* dhp, int n) {
    unit_store(dhIn, dhp, n);
    unit_store(dcIn, dcp, n);
    unit_gates_zero(dg, 4, hidden, n);
}

// Elman cell math, one call per RECUR_UNIT_WIDTH units of one batch row (units.cl), forward beside
// backward. The kernels that run it: rnn_forward.cl, rnn_backward.cl (per step), rnn_fused_*.cl
// (fused steps), sequence_*.cl (whole sequences); they differ only in where the recurrent part
// comes from and where dh_t comes from. The equations as the CPU backend and Backend.swift
// (CellForwardStep, CellBackwardStep) state them:
//   forward   h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), act = tanh or ReLU
//   backward  dpre = dh_t * act'(h_t) (tanh: 1 - h_t^2; ReLU: h_t > 0), into both dGatesX and
//             dGatesH; the direct part of dh_{t-1} is 0 (the host adds dpre W_hh).
// Every pointer is already at unit j; nothing is saved (the backward reads h_t).

#include "units.cl"

// pre = x_t W_ih^T + h_{t-1} W_hh^T without bias. Writes h_t and the output.
static inline void rnn_unit_forward(unit_t pre, __global const float* bi, __global const float* bh, int hasBias,
                                    int relu, __global float* h, __global float* out, int n) {
    if (hasBias) pre += unit_load(bi, n) + unit_load(bh, n);
    const unit_t value = relu ? select(pre, (unit_t)(0.0f), pre < (unit_t)(0.0f)) : unit_tanh(pre);
    unit_store(value, h, n);
    unit_store(value, out, n);
}

// dh = the gradient of h_t (the output's included), hOut = h_t.
static inline void rnn_unit_backward(unit_t dh, unit_t hOut, int relu, __global float* dgx, __global float* dgh,
                                     __global float* dhp, int n) {
    const unit_t dPre = relu ? select(dh, (unit_t)(0.0f), hOut <= (unit_t)(0.0f)) : dh * unit_dtanh(hOut);
    unit_store(dPre, dgx, n);
    unit_store(dPre, dgh, n);
    unit_store((unit_t)(0.0f), dhp, n);
}

// Past the sequence's end: dh_t passes to t-1 unchanged, the gate gradients are 0.
static inline void rnn_unit_backward_past_end(unit_t dhIn, __global float* dgx, __global float* dgh,
                                              __global float* dhp, int n) {
    unit_store(dhIn, dhp, n);
    unit_store((unit_t)(0.0f), dgx, n);
    unit_store((unit_t)(0.0f), dgh, n);
}

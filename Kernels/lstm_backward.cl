// LSTM cell, backward: the mirror of lstm_forward (Backend.swift, CellBackwardStep).
// With dh = dhNext + dOutput and dc = dcNext + dh*o*(1 - tanh(c_t)^2):
//   dpre_i = dc*g*i(1-i), dpre_f = dc*c_{t-1}*f(1-f), dpre_g = dc*i*(1-g^2), dpre_o = dh*tanh(c_t)*o(1-o);
//   dc_{t-1} = dc*f; the direct part of dh_{t-1} is zero. dGatesH equals dGatesX (not passed).
// Rows whose sequence has ended pass dh and dc through and write zero gate gradients.

// lstm_backward
//   saved, savedOff, savedLd        (B, 5H) (i, f, g, o, tanh c_t) saved by lstm_forward at t
//   cPrev, cPrevOff, cPrevLd        (B, H)  c_{t-1}
//   dhNext, dhNextOff, dhNextLd     (B, H)  gradient of h_t arriving from step t+1
//   dcNext, dcNextOff, dcNextLd     (B, H)  gradient of c_t arriving from step t+1
//   dOutput, dOutputOff, dOutputLd  (B, H)  gradient of the layer output at t; read only when hasDOutput
//   hasDOutput                      0 or 1
//   dGatesX, dGatesXOff, dGatesXLd  (B, 4H) written: (dpre_i, dpre_f, dpre_g, dpre_o)
//   dhPrev, dhPrevOff, dhPrevLd     (B, H)  written: 0, or dh past a sequence's end (distinct from dhNext)
//   dcPrev, dcPrevOff, dcPrevLd     (B, H)  written: dc*f, or dcNext past a sequence's end
//   lengths, hasLengths             (B) int sequence lengths, read only when hasLengths
//   time                            t
//   batch, hidden                   B, H
// NDRange: 2-D, global (ceil(H / 8), B) (or rounded up), any local size; work-item (u, b)
//   handles units 8u ..< min(8u + 8, H) of row b (their four gates).
__kernel void lstm_backward(__global const float* saved, int savedOff, int savedLd,
                            __global const float* cPrev, int cPrevOff, int cPrevLd,
                            __global const float* dhNext, int dhNextOff, int dhNextLd,
                            __global const float* dcNext, int dcNextOff, int dcNextLd,
                            __global const float* dOutput, int dOutputOff, int dOutputLd,
                            int hasDOutput,
                            __global float* dGatesX, int dGatesXOff, int dGatesXLd,
                            __global float* dhPrev, int dhPrevOff, int dhPrevLd,
                            __global float* dcPrev, int dcPrevOff, int dcPrevLd,
                            __global const int* lengths, int hasLengths,
                            int time, int batch, int hidden) {
    const int j = get_global_id(0) * RECUR_UNITS_PER_ITEM, b = get_global_id(1);
    if (j >= hidden || b >= batch) return;
    const int n = min(RECUR_UNITS_PER_ITEM, hidden - j);
    const float8 dhIn = load_f8(dhNext + dhNextOff + b * dhNextLd + j, n);
    const float8 dcIn = load_f8(dcNext + dcNextOff + b * dcNextLd + j, n);
    __global float* dg = dGatesX + dGatesXOff + b * dGatesXLd + j;
    __global float* dhp = dhPrev + dhPrevOff + b * dhPrevLd + j;
    __global float* dcp = dcPrev + dcPrevOff + b * dcPrevLd + j;
    if (hasLengths && time >= lengths[b]) {
        const float8 zero = 0.0f;
        store_f8(dhIn, dhp, n);
        store_f8(dcIn, dcp, n);
        store_f8(zero, dg, n);
        store_f8(zero, dg + hidden, n);
        store_f8(zero, dg + 2 * hidden, n);
        store_f8(zero, dg + 3 * hidden, n);
        return;
    }
    float8 dh = dhIn;
    if (hasDOutput) dh += load_f8(dOutput + dOutputOff + b * dOutputLd + j, n);
    lstm_unit_backward_f8(dh, dcIn, load_f8(cPrev + cPrevOff + b * cPrevLd + j, n), saved + savedOff + b * savedLd + j,
                          hidden, dg, dcp, dhp, n);
}

// LSTM cell, backward: the mirror of lstm_forward (Backend.swift, CellBackwardStep), one time step
// over the batch. The math, with its equations: lstm_unit_backward in lstm_cell.cl, with
// dh = dhNext + dOutput. dGatesH equals dGatesX (not passed). Rows whose sequence has ended pass dh
// and dc through and write zero gate gradients (lstm_unit_backward_past_end).

#define RECUR_UNIT_WIDTH 1
#include "lstm_cell.cl"

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
// NDRange: 2-D, global (H, B) (or rounded up), any local size; work-item (j, b) handles unit j
//   of row b (its four gates).
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
    const int j = get_global_id(0), b = get_global_id(1);
    if (j >= hidden || b >= batch) return;
    const float dhIn = dhNext[dhNextOff + b * dhNextLd + j];
    const float dcIn = dcNext[dcNextOff + b * dcNextLd + j];
    __global float* dg = dGatesX + dGatesXOff + b * dGatesXLd + j;
    __global float* dhp = dhPrev + dhPrevOff + b * dhPrevLd + j;
    __global float* dcp = dcPrev + dcPrevOff + b * dcPrevLd + j;
    if (hasLengths && time >= lengths[b]) {
        lstm_unit_backward_past_end(dhIn, dcIn, hidden, dg, dcp, dhp, 1);
        return;
    }
    float dh = dhIn;
    if (hasDOutput) dh += dOutput[dOutputOff + b * dOutputLd + j];
    lstm_unit_backward(dh, dcIn, cPrev[cPrevOff + b * cPrevLd + j], saved + savedOff + b * savedLd + j, hidden,
                       dg, dcp, dhp, 1);
}

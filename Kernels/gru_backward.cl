// GRU cell, backward: the mirror of gru_forward (Backend.swift, CellBackwardStep). The math,
// with its equations: gru_unit_backward in gru_cell.cl, with dh = dhNext + dOutput. Rows whose
// sequence has ended pass dh through and write zero gate gradients (gru_unit_backward_past_end).

#define RECUR_UNIT_WIDTH 1
#include "gru_cell.cl"

// gru_backward
//   saved, savedOff, savedLd        (B, 4H) (r, z, n, hn) saved by gru_forward at t
//   hPrev, hPrevOff, hPrevLd        (B, H)  h_{t-1}
//   dhNext, dhNextOff, dhNextLd     (B, H)  gradient of h_t arriving from step t+1
//   dOutput, dOutputOff, dOutputLd  (B, H)  gradient of the layer output at t; read only when hasDOutput
//   hasDOutput                      0 or 1
//   dGatesX, dGatesXOff, dGatesXLd  (B, 3H) written: (dpre_r, dpre_z, dpre_n)
//   dGatesH, dGatesHOff, dGatesHLd  (B, 3H) written: (dpre_r, dpre_z, dpre_n*r) (distinct from dGatesX)
//   dhPrev, dhPrevOff, dhPrevLd     (B, H)  written: dh*z, or dh past a sequence's end (distinct from dhNext)
//   lengths, hasLengths             (B) int sequence lengths, read only when hasLengths
//   time                            t
//   batch, hidden                   B, H
// NDRange: 2-D, global (H, B) (or rounded up), any local size; work-item (j, b) handles unit j
//   of row b (its three gates).
__kernel void gru_backward(__global const float* saved, int savedOff, int savedLd,
                           __global const float* hPrev, int hPrevOff, int hPrevLd,
                           __global const float* dhNext, int dhNextOff, int dhNextLd,
                           __global const float* dOutput, int dOutputOff, int dOutputLd,
                           int hasDOutput,
                           __global float* dGatesX, int dGatesXOff, int dGatesXLd,
                           __global float* dGatesH, int dGatesHOff, int dGatesHLd,
                           __global float* dhPrev, int dhPrevOff, int dhPrevLd,
                           __global const int* lengths, int hasLengths,
                           int time, int batch, int hidden) {
    const int j = get_global_id(0), b = get_global_id(1);
    if (j >= hidden || b >= batch) return;
    const float dhIn = dhNext[dhNextOff + b * dhNextLd + j];
    __global float* dgx = dGatesX + dGatesXOff + b * dGatesXLd + j;
    __global float* dgh = dGatesH + dGatesHOff + b * dGatesHLd + j;
    __global float* dhp = dhPrev + dhPrevOff + b * dhPrevLd + j;
    if (hasLengths && time >= lengths[b]) {
        gru_unit_backward_past_end(dhIn, hidden, dgx, dgh, dhp, 1);
        return;
    }
    float dh = dhIn;
    if (hasDOutput) dh += dOutput[dOutputOff + b * dOutputLd + j];
    gru_unit_backward(dh, hPrev[hPrevOff + b * hPrevLd + j], saved + savedOff + b * savedLd + j, hidden, dgx, dgh, dhp, 1);
}

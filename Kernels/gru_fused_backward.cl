// GRU, one backward time step with the recurrent product fused in: the mirror of
// gru_fused_forward. Each work-item first finishes its element of dh_t,
//   dh_t[b, j] = dhDirect[b, j] + sum over g < 3H of dGatesNext[b, g] * W_hh[g, j],
// with dGatesNext the dGatesH of step t+1 (the n block already multiplied by r) read against
// W_hh^T (made once per sequence) as a contiguous dot product, then runs gru_unit_backward (gru_cell.cl).
// The first step run has no dGatesNext (hasGatesNext = 0); after the last one the host adds
// dGatesH_0 W_hh with a GEMM (see lstm_fused_backward.cl).
// Rows whose sequence has ended pass dh_t (recurrent part included) through and write zero gate
// gradients, as gru_backward does.

#define RECUR_UNIT_WIDTH 1
#include "gru_cell.cl"

// gru_fused_backward
//   saved, savedOff, savedLd              (B, 4H) (r, z, n, hn) saved by the forward at t
//   hPrev, hPrevOff, hPrevLd              (B, H)  h_{t-1}
//   dhDirect, dhDirectOff, dhDirectLd     (B, H)  the part of dh_t that does not go through W_hh
//   dGatesNext, dGatesNextOff, dGatesNextLd (B, 3H) dGatesH of step t+1; read only when hasGatesNext
//   hasGatesNext                          0 or 1
//   whhT, whhTOff, whhTLd                 (H, 3H) W_hh^T
//   dOutput, dOutputOff, dOutputLd        (B, H)  gradient of the layer output at t; read only when hasDOutput
//   hasDOutput                            0 or 1
//   dGatesX, dGatesXOff, dGatesXLd        (B, 3H) written: (dpre_r, dpre_z, dpre_n)
//   dGatesH, dGatesHOff, dGatesHLd        (B, 3H) written: (dpre_r, dpre_z, dpre_n*r) (distinct from dGatesX)
//   dhPrev, dhPrevOff, dhPrevLd           (B, H)  written: dh*z, or dh_t past a sequence's end
//                                                 (distinct from dhDirect)
//   lengths, hasLengths                   (B) int sequence lengths, read only when hasLengths
//   time                                  t
//   batch, hidden                         B, H
// NDRange: 2-D, global (H, B) (or rounded up), any local size; work-item (j, b) handles unit j
//   of row b (its three gates).
__kernel void gru_fused_backward(__global const float* saved, int savedOff, int savedLd,
                                 __global const float* hPrev, int hPrevOff, int hPrevLd,
                                 __global const float* dhDirect, int dhDirectOff, int dhDirectLd,
                                 __global const float* dGatesNext, int dGatesNextOff, int dGatesNextLd,
                                 int hasGatesNext,
                                 __global const float* whhT, int whhTOff, int whhTLd,
                                 __global const float* dOutput, int dOutputOff, int dOutputLd,
                                 int hasDOutput,
                                 __global float* dGatesX, int dGatesXOff, int dGatesXLd,
                                 __global float* dGatesH, int dGatesHOff, int dGatesHLd,
                                 __global float* dhPrev, int dhPrevOff, int dhPrevLd,
                                 __global const int* lengths, int hasLengths,
                                 int time, int batch, int hidden) {
    const int j = get_global_id(0), b = get_global_id(1);
    if (j >= hidden || b >= batch) return;
    float dhIn = dhDirect[dhDirectOff + b * dhDirectLd + j];
    if (hasGatesNext) {
        dhIn += dot_f8(dGatesNext + dGatesNextOff + b * dGatesNextLd, whhT + whhTOff + (size_t)j * whhTLd,
                       3 * hidden);
    }
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

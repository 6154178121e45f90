// Elman RNN, one backward time step with the recurrent product fused in: the mirror of
// rnn_fused_forward. Each work-item first finishes its element of dh_t,
//   dh_t[b, j] = dhDirect[b, j] + sum over g < H of dGatesNext[b, g] * W_hh[g, j],
// reading W_hh^T (made once per sequence) as a contiguous dot product, then runs rnn_unit_backward
// (rnn_cell.cl). The first step run has no dGatesNext (hasGatesNext = 0); after the last one the host adds
// dGatesH_0 W_hh with a GEMM (see lstm_fused_backward.cl).
// Rows whose sequence has ended pass dh_t (recurrent part included) through and write zero gate
// gradients, as rnn_backward does.

#define RECUR_UNIT_WIDTH 1
#include "rnn_cell.cl"

// rnn_fused_backward
//   hOut, hOutOff, hOutLd                 (B, H)  h_t (the forward's output at t)
//   dhDirect, dhDirectOff, dhDirectLd     (B, H)  the part of dh_t that does not go through W_hh
//   dGatesNext, dGatesNextOff, dGatesNextLd (B, H) gate gradients of step t+1; read only when hasGatesNext
//   hasGatesNext                          0 or 1
//   whhT, whhTOff, whhTLd                 (H, H)  W_hh^T
//   dOutput, dOutputOff, dOutputLd        (B, H)  gradient of the layer output at t; read only when hasDOutput
//   hasDOutput                            0 or 1
//   dGatesX, dGatesXOff, dGatesXLd        (B, H)  written
//   dGatesH, dGatesHOff, dGatesHLd        (B, H)  written (same values; may alias dGatesX)
//   dhPrev, dhPrevOff, dhPrevLd           (B, H)  written: 0, or dh_t past a sequence's end (distinct from dhDirect)
//   lengths, hasLengths                   (B) int sequence lengths, read only when hasLengths
//   time                                  t
//   batch, hidden                         B, H
//   relu                                  0: tanh, 1: ReLU
// NDRange: 2-D, global (H, B) (or rounded up), any local size; work-item (j, b) handles unit j of row b.
__kernel void rnn_fused_backward(__global const float* hOut, int hOutOff, int hOutLd,
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
                                 int time, int batch, int hidden, int relu) {
    const int j = get_global_id(0), b = get_global_id(1);
    if (j >= hidden || b >= batch) return;
    float dhIn = dhDirect[dhDirectOff + b * dhDirectLd + j];
    if (hasGatesNext) {
        dhIn += dot_f8(dGatesNext + dGatesNextOff + b * dGatesNextLd, whhT + whhTOff + (size_t)j * whhTLd, hidden);
    }
    __global float* dgx = dGatesX + dGatesXOff + b * dGatesXLd + j;
    __global float* dgh = dGatesH + dGatesHOff + b * dGatesHLd + j;
    __global float* dhp = dhPrev + dhPrevOff + b * dhPrevLd + j;
    if (hasLengths && time >= lengths[b]) {
        rnn_unit_backward_past_end(dhIn, dgx, dgh, dhp, 1);
        return;
    }
    float dh = dhIn;
    if (hasDOutput) dh += dOutput[dOutputOff + b * dOutputLd + j];
    rnn_unit_backward(dh, hOut[hOutOff + b * hOutLd + j], relu, dgx, dgh, dhp, 1);
}

// LSTM, one backward time step with the recurrent product fused in: the mirror of
// lstm_fused_forward. The per-step loop runs lstm_backward and then the GEMM
// dh_{t} += dGatesH_{t+1} W_hh; here each work-item first finishes its own element of dh_t,
//   dh_t[b, j] = dhDirect[b, j] + sum over g < 4H of dGatesNext[b, g] * W_hh[g, j],
// reading W_hh^T (made once per sequence) so that the sum is a contiguous dot product, then runs
// lstm_unit_backward (lstm_cell.cl) for step t. The host handles the ends: the first step run has no
// dGatesNext (hasGatesNext = 0: dh_T is grad_h_n alone), and after the last one a GEMM adds
// dGatesH_0 W_hh to the direct part to give dh_{-1}.
// Rows whose sequence has ended pass dh_t (recurrent part included) and dc through and write zero
// gate gradients, as lstm_backward does.

#define RECUR_UNIT_WIDTH 1
#include "lstm_cell.cl"

// lstm_fused_backward
//   saved, savedOff, savedLd              (B, 5H) (i, f, g, o, tanh c_t) saved by the forward at t
//   cPrev, cPrevOff, cPrevLd              (B, H)  c_{t-1}
//   dhDirect, dhDirectOff, dhDirectLd     (B, H)  the part of dh_t that does not go through W_hh
//   dcNext, dcNextOff, dcNextLd           (B, H)  gradient of c_t arriving from step t+1
//   dGatesNext, dGatesNextOff, dGatesNextLd (B, 4H) gate gradients of step t+1; read only when hasGatesNext
//   hasGatesNext                          0 or 1
//   whhT, whhTOff, whhTLd                 (H, 4H) W_hh^T
//   dOutput, dOutputOff, dOutputLd        (B, H)  gradient of the layer output at t; read only when hasDOutput
//   hasDOutput                            0 or 1
//   dGatesX, dGatesXOff, dGatesXLd        (B, 4H) written: (dpre_i, dpre_f, dpre_g, dpre_o) (dGatesH aliases it)
//   dhPrev, dhPrevOff, dhPrevLd           (B, H)  written: the direct part of dh_{t-1} (0), or dh_t past a
//                                                 sequence's end (distinct from dhDirect)
//   dcPrev, dcPrevOff, dcPrevLd           (B, H)  written: dc*f, or dcNext past a sequence's end
//   lengths, hasLengths                   (B) int sequence lengths, read only when hasLengths
//   time                                  t
//   batch, hidden                         B, H
// NDRange: 2-D, global (H, B) (or rounded up), any local size; work-item (j, b) handles unit j
//   of row b (its four gates).
__kernel void lstm_fused_backward(__global const float* saved, int savedOff, int savedLd,
                                  __global const float* cPrev, int cPrevOff, int cPrevLd,
                                  __global const float* dhDirect, int dhDirectOff, int dhDirectLd,
                                  __global const float* dcNext, int dcNextOff, int dcNextLd,
                                  __global const float* dGatesNext, int dGatesNextOff, int dGatesNextLd,
                                  int hasGatesNext,
                                  __global const float* whhT, int whhTOff, int whhTLd,
                                  __global const float* dOutput, int dOutputOff, int dOutputLd,
                                  int hasDOutput,
                                  __global float* dGatesX, int dGatesXOff, int dGatesXLd,
                                  __global float* dhPrev, int dhPrevOff, int dhPrevLd,
                                  __global float* dcPrev, int dcPrevOff, int dcPrevLd,
                                  __global const int* lengths, int hasLengths,
                                  int time, int batch, int hidden) {
    const int j = get_global_id(0), b = get_global_id(1);
    if (j >= hidden || b >= batch) return;
    float dhIn = dhDirect[dhDirectOff + b * dhDirectLd + j];
    if (hasGatesNext) {
        dhIn += dot_f8(dGatesNext + dGatesNextOff + b * dGatesNextLd, whhT + whhTOff + (size_t)j * whhTLd,
                       4 * hidden);
    }
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

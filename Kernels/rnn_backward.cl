// Elman RNN cell, backward: the mirror of rnn_forward (Backend.swift, CellBackwardStep), eight
// units a work-item. The math: rnn_unit_backward in rnn_cell.cl, with dh = dhNext + dOutput;
// dGatesX and dGatesH may alias. Rows whose sequence has ended pass dhNext through to dhPrev and
// write zero gate gradients (rnn_unit_backward_past_end).

#define RECUR_UNIT_WIDTH 8
#include "rnn_cell.cl"

// rnn_backward
//   hOut, hOutOff, hOutLd           (B, H)  h_t (the forward's output at t)
//   dhNext, dhNextOff, dhNextLd     (B, H)  gradient arriving from step t+1
//   dOutput, dOutputOff, dOutputLd  (B, H)  gradient of the layer output at t; read only when hasDOutput
//   hasDOutput                      0 or 1
//   dGatesX, dGatesXOff, dGatesXLd  (B, H)  written
//   dGatesH, dGatesHOff, dGatesHLd  (B, H)  written (same values; may alias dGatesX)
//   dhPrev, dhPrevOff, dhPrevLd     (B, H)  written: 0, or dhNext past a sequence's end (distinct from dhNext)
//   lengths, hasLengths             (B) int sequence lengths, read only when hasLengths
//   time                            t
//   batch, hidden                   B, H
//   relu                            0: tanh, 1: ReLU
// NDRange: 2-D, global (ceil(H / 8), B) (or rounded up), any local size; work-item (u, b)
//   handles units 8u ..< min(8u + 8, H) of row b.
__kernel void rnn_backward(__global const float* hOut, int hOutOff, int hOutLd,
                           __global const float* dhNext, int dhNextOff, int dhNextLd,
                           __global const float* dOutput, int dOutputOff, int dOutputLd,
                           int hasDOutput,
                           __global float* dGatesX, int dGatesXOff, int dGatesXLd,
                           __global float* dGatesH, int dGatesHOff, int dGatesHLd,
                           __global float* dhPrev, int dhPrevOff, int dhPrevLd,
                           __global const int* lengths, int hasLengths,
                           int time, int batch, int hidden, int relu) {
    const int j = get_global_id(0) * RECUR_UNIT_WIDTH, b = get_global_id(1);
    if (j >= hidden || b >= batch) return;
    RECUR_CHUNKED(
        const float8 dhIn = unit_load(dhNext + dhNextOff + b * dhNextLd + j, n);
        __global float* dgx = dGatesX + dGatesXOff + b * dGatesXLd + j;
        __global float* dgh = dGatesH + dGatesHOff + b * dGatesHLd + j;
        __global float* dhp = dhPrev + dhPrevOff + b * dhPrevLd + j;
        if (hasLengths && time >= lengths[b]) {
            rnn_unit_backward_past_end(dhIn, dgx, dgh, dhp, n);
            return;
        }
        float8 dh = dhIn;
        if (hasDOutput) dh += unit_load(dOutput + dOutputOff + b * dOutputLd + j, n);
        rnn_unit_backward(dh, unit_load(hOut + hOutOff + b * hOutLd + j, n), relu, dgx, dgh, dhp, n);
    )
}

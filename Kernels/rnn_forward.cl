// Elman RNN cell, forward: one time step over the batch (Backend.swift, CellForwardStep), eight
// units a work-item. The math, with its equations: rnn_unit_forward in rnn_cell.cl, with
// pre = xProj + hProj. Saves nothing: the backward takes the derivative from h_t itself. Rows
// whose sequence has ended (time >= lengths[b]) carry hPrev into hNext and write 0 to output.

#define RECUR_UNIT_WIDTH 8
#include "rnn_cell.cl"

// rnn_forward
//   xProj, xProjOff, xProjLd        (B, H)  x_t W_ih^T, no bias
//   hProj, hProjOff, hProjLd        (B, H)  h_{t-1} W_hh^T, no bias
//   biasIH, biasIHOff               (1, H)  b_ih     } read only when hasBias
//   biasHH, biasHHOff               (1, H)  b_hh     }
//   hasBias                         0 or 1
//   hPrev, hPrevOff, hPrevLd        (B, H)  h_{t-1}
//   hNext, hNextOff, hNextLd        (B, H)  h_t, written (distinct from hPrev)
//   output, outputOff, outputLd     (B, H)  layer output at t, written (0 past a sequence's end)
//   lengths                         (B) int sequence lengths; read only when hasLengths
//   hasLengths                      0 or 1
//   time                            t, compared against lengths
//   batch, hidden                   B, H
//   relu                            0: tanh, 1: ReLU
// NDRange: 2-D, global (ceil(H / 8), B) (or rounded up), any local size; work-item (u, b)
//   computes units 8u ..< min(8u + 8, H) of row b.
__kernel void rnn_forward(__global const float* xProj, int xProjOff, int xProjLd,
                          __global const float* hProj, int hProjOff, int hProjLd,
                          __global const float* biasIH, int biasIHOff,
                          __global const float* biasHH, int biasHHOff,
                          int hasBias,
                          __global const float* hPrev, int hPrevOff, int hPrevLd,
                          __global float* hNext, int hNextOff, int hNextLd,
                          __global float* output, int outputOff, int outputLd,
                          __global const int* lengths, int hasLengths,
                          int time, int batch, int hidden, int relu) {
    const int j = get_global_id(0) * RECUR_UNIT_WIDTH, b = get_global_id(1);
    if (j >= hidden || b >= batch) return;
    RECUR_CHUNKED(
        __global float* h = hNext + hNextOff + b * hNextLd + j;
        __global float* out = output + outputOff + b * outputLd + j;
        if (hasLengths && time >= lengths[b]) {
            unit_forward_past_end(unit_load(hPrev + hPrevOff + b * hPrevLd + j, n), h, out, n);
            return;
        }
        rnn_unit_forward(unit_load(xProj + xProjOff + b * xProjLd + j, n) + unit_load(hProj + hProjOff + b * hProjLd + j, n),
                            biasIH + biasIHOff + j, biasHH + biasHHOff + j, hasBias, relu, h, out, n);
    )
}

// Elman RNN, one forward time step with the recurrent product fused in: rnn_forward's update
// preceded by the dot product h_{t-1}[b, :] . W_hh[j, :] that the separate recurrent GEMM would
// have written to hProj. One launch per step instead of two; meant for small batches
// (OpenCLBackend+Sequence.swift). Same math (rnn_unit_forward, rnn_cell.cl) and length handling as rnn_forward.cl.

#define RECUR_UNIT_WIDTH 1
#include "rnn_cell.cl"

// rnn_fused_forward
//   xProj, xProjOff, xProjLd        (B, H)  x_t W_ih^T, no bias
//   whh, whhOff, whhLd              (H, H)  W_hh
//   biasIH, biasIHOff               (1, H)  b_ih     } read only when hasBias
//   biasHH, biasHHOff               (1, H)  b_hh     }
//   hasBias                         0 or 1
//   hPrev, hPrevOff, hPrevLd        (B, H)  h_{t-1}
//   hNext, hNextOff, hNextLd        (B, H)  h_t, written (distinct from hPrev)
//   output, outputOff, outputLd     (B, H)  layer output at t, written (0 past a sequence's end)
//   lengths, hasLengths             (B) int sequence lengths, read only when hasLengths
//   time                            t
//   batch, hidden                   B, H
//   relu                            0: tanh, 1: ReLU
// NDRange: 2-D, global (H, B) (or rounded up), any local size; work-item (j, b) computes unit j of row b.
__kernel void rnn_fused_forward(__global const float* xProj, int xProjOff, int xProjLd,
                                __global const float* whh, int whhOff, int whhLd,
                                __global const float* biasIH, int biasIHOff,
                                __global const float* biasHH, int biasHHOff,
                                int hasBias,
                                __global const float* hPrev, int hPrevOff, int hPrevLd,
                                __global float* hNext, int hNextOff, int hNextLd,
                                __global float* output, int outputOff, int outputLd,
                                __global const int* lengths, int hasLengths,
                                int time, int batch, int hidden, int relu) {
    const int j = get_global_id(0), b = get_global_id(1);
    if (j >= hidden || b >= batch) return;
    __global const float* hp = hPrev + hPrevOff + b * hPrevLd;
    __global float* h = hNext + hNextOff + b * hNextLd + j;
    __global float* out = output + outputOff + b * outputLd + j;
    if (hasLengths && time >= lengths[b]) {
        unit_forward_past_end(hp[j], h, out, 1);
        return;
    }
    rnn_unit_forward(xProj[xProjOff + b * xProjLd + j] + dot_f8(hp, whh + whhOff + (size_t)j * whhLd, hidden),
                       biasIH + biasIHOff + j, biasHH + biasHHOff + j, hasBias, relu, h, out, 1);
}

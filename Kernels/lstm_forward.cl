// LSTM cell, forward: one time step over the batch (Backend.swift, CellForwardStep). The math,
// with its equations: lstm_unit_forward in lstm_cell.cl, with pre = xProj + hProj. Gate k of a
// (B, 4H) row is columns k*H ..< (k+1)*H. Saves (B, 5H) rows (i, f, g, o, tanh c_t).
// Rows whose sequence has ended (time >= lengths[b]) carry h and c, write 0 to output and leave
// saved untouched.

#define RECUR_UNIT_WIDTH 1
#include "lstm_cell.cl"

// lstm_forward
//   xProj, xProjOff, xProjLd        (B, 4H) x_t W_ih^T, no bias
//   hProj, hProjOff, hProjLd        (B, 4H) h_{t-1} W_hh^T, no bias
//   biasIH, biasIHOff               (1, 4H) b_ih     } read only when hasBias
//   biasHH, biasHHOff               (1, 4H) b_hh     }
//   hasBias                         0 or 1
//   hPrev, hPrevOff, hPrevLd        (B, H)  h_{t-1}
//   hNext, hNextOff, hNextLd        (B, H)  h_t, written (distinct from hPrev)
//   cPrev, cPrevOff, cPrevLd        (B, H)  c_{t-1}
//   cNext, cNextOff, cNextLd        (B, H)  c_t, written (distinct from cPrev)
//   output, outputOff, outputLd     (B, H)  layer output at t, written (0 past a sequence's end)
//   saved, savedOff, savedLd        (B, 5H) (i, f, g, o, tanh c_t), written only when hasSaved
//   hasSaved                        0 or 1
//   lengths, hasLengths             (B) int sequence lengths, read only when hasLengths
//   time                            t
//   batch, hidden                   B, H
// NDRange: 2-D, global (H, B) (or rounded up), any local size; work-item (j, b) computes unit j
//   of row b (its four gates).
__kernel void lstm_forward(__global const float* xProj, int xProjOff, int xProjLd,
                           __global const float* hProj, int hProjOff, int hProjLd,
                           __global const float* biasIH, int biasIHOff,
                           __global const float* biasHH, int biasHHOff,
                           int hasBias,
                           __global const float* hPrev, int hPrevOff, int hPrevLd,
                           __global float* hNext, int hNextOff, int hNextLd,
                           __global const float* cPrev, int cPrevOff, int cPrevLd,
                           __global float* cNext, int cNextOff, int cNextLd,
                           __global float* output, int outputOff, int outputLd,
                           __global float* saved, int savedOff, int savedLd,
                           int hasSaved,
                           __global const int* lengths, int hasLengths,
                           int time, int batch, int hidden) {
    const int j = get_global_id(0), b = get_global_id(1);
    if (j >= hidden || b >= batch) return;
    __global float* h = hNext + hNextOff + b * hNextLd + j;
    __global float* c = cNext + cNextOff + b * cNextLd + j;
    __global float* out = output + outputOff + b * outputLd + j;
    const float cOld = cPrev[cPrevOff + b * cPrevLd + j];
    if (hasLengths && time >= lengths[b]) {
        unit_forward_past_end(hPrev[hPrevOff + b * hPrevLd + j], h, out, 1);
        *c = cOld;
        return;
    }
    __global const float* x = xProj + xProjOff + b * xProjLd + j;
    __global const float* hp = hProj + hProjOff + b * hProjLd + j;
    lstm_unit_forward(x[0] + hp[0], x[hidden] + hp[hidden], x[2 * hidden] + hp[2 * hidden], x[3 * hidden] + hp[3 * hidden],
                      biasIH + biasIHOff + j, biasHH + biasHHOff + j, hasBias, hidden, cOld, h, c, out,
                      saved + savedOff + b * savedLd + j, hasSaved, 1);
}

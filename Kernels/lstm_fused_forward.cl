// LSTM, one forward time step with the recurrent product fused in: lstm_forward's cell update
// preceded by the four dot products h_{t-1}[b, :] . W_hh[k*H + j, :] that the separate recurrent
// GEMM would have written to hProj. One launch per step instead of two, and no hProj round trip;
// meant for small batches, where the step is launch-bound (OpenCLBackend+Sequence.swift).
// Same math (lstm_unit_forward, lstm_cell.cl), saved layout and length handling as lstm_forward.cl.

#define RECUR_UNIT_WIDTH 1
#include "lstm_cell.cl"

// lstm_fused_forward
//   xProj, xProjOff, xProjLd        (B, 4H) x_t W_ih^T, no bias
//   whh, whhOff, whhLd              (4H, H) W_hh (PyTorch layout: row k*H + j is gate k of unit j)
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
//   of row b (its four gates, each a dot product along H).
__kernel void lstm_fused_forward(__global const float* xProj, int xProjOff, int xProjLd,
                                 __global const float* whh, int whhOff, int whhLd,
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
    __global const float* hp = hPrev + hPrevOff + b * hPrevLd;
    __global float* h = hNext + hNextOff + b * hNextLd + j;
    __global float* c = cNext + cNextOff + b * cNextLd + j;
    __global float* out = output + outputOff + b * outputLd + j;
    const float cOld = cPrev[cPrevOff + b * cPrevLd + j];
    if (hasLengths && time >= lengths[b]) {
        unit_forward_past_end(hp[j], h, out, 1);
        *c = cOld;
        return;
    }
    // The four rows of unit j lie H rows of W_hh apart.
    const float4 rec = dot4_f8(hp, whh + whhOff + (size_t)j * whhLd, (size_t)hidden * whhLd, hidden);
    __global const float* x = xProj + xProjOff + b * xProjLd + j;
    lstm_unit_forward(x[0] + rec.s0, x[hidden] + rec.s1, x[2 * hidden] + rec.s2, x[3 * hidden] + rec.s3,
                        biasIH + biasIHOff + j, biasHH + biasHHOff + j, hasBias, hidden, cOld, h, c, out,
                        saved + savedOff + b * savedLd + j, hasSaved, 1);
}

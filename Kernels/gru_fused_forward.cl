// GRU, one forward time step with the recurrent product fused in: gru_forward's update preceded
// by the three dot products h_{t-1}[b, :] . W_hh[k*H + j, :] (k = r, z, n) that the separate
// recurrent GEMM would have written to hProj. One launch per step instead of two; meant for small
// batches (OpenCLBackend+Sequence.swift). Same math (the reset gate multiplies W_hn h + b_hn),
// saved layout and length handling as gru_forward.cl (gru_unit_forward, gru_cell.cl).

#define RECUR_UNIT_WIDTH 1
#include "gru_cell.cl"

// gru_fused_forward
//   xProj, xProjOff, xProjLd        (B, 3H) x_t W_ih^T, no bias
//   whh, whhOff, whhLd              (3H, H) W_hh (row k*H + j is gate k of unit j)
//   biasIH, biasIHOff               (1, 3H) b_ih     } read only when hasBias
//   biasHH, biasHHOff               (1, 3H) b_hh     }
//   hasBias                         0 or 1
//   hPrev, hPrevOff, hPrevLd        (B, H)  h_{t-1}
//   hNext, hNextOff, hNextLd        (B, H)  h_t, written (distinct from hPrev)
//   output, outputOff, outputLd     (B, H)  layer output at t, written (0 past a sequence's end)
//   saved, savedOff, savedLd        (B, 4H) (r, z, n, hn), written only when hasSaved
//   hasSaved                        0 or 1
//   lengths, hasLengths             (B) int sequence lengths, read only when hasLengths
//   time                            t
//   batch, hidden                   B, H
// NDRange: 2-D, global (H, B) (or rounded up), any local size; work-item (j, b) computes unit j
//   of row b (its three gates, each a dot product along H).
__kernel void gru_fused_forward(__global const float* xProj, int xProjOff, int xProjLd,
                                __global const float* whh, int whhOff, int whhLd,
                                __global const float* biasIH, int biasIHOff,
                                __global const float* biasHH, int biasHHOff,
                                int hasBias,
                                __global const float* hPrev, int hPrevOff, int hPrevLd,
                                __global float* hNext, int hNextOff, int hNextLd,
                                __global float* output, int outputOff, int outputLd,
                                __global float* saved, int savedOff, int savedLd,
                                int hasSaved,
                                __global const int* lengths, int hasLengths,
                                int time, int batch, int hidden) {
    const int j = get_global_id(0), b = get_global_id(1);
    if (j >= hidden || b >= batch) return;
    __global const float* hp = hPrev + hPrevOff + b * hPrevLd;
    __global float* h = hNext + hNextOff + b * hNextLd + j;
    __global float* out = output + outputOff + b * outputLd + j;
    const float hOld = hp[j];
    if (hasLengths && time >= lengths[b]) {
        unit_forward_past_end(hOld, h, out, 1);
        return;
    }
    const float3 rec = dot3_f8(hp, whh + whhOff + (size_t)j * whhLd, (size_t)hidden * whhLd, hidden);
    __global const float* x = xProj + xProjOff + b * xProjLd + j;
    gru_unit_forward(x[0], x[hidden], x[2 * hidden], rec.s0, rec.s1, rec.s2,
                       biasIH + biasIHOff + j, biasHH + biasHHOff + j, hasBias, hidden, hOld, h, out,
                       saved + savedOff + b * savedLd + j, hasSaved, 1);
}

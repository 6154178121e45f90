// The forward time loop of one direction of one layer, whole, in one work-group
// (Recur/RecurrentSequence.swift, RecurrentForwardSequence): for each step t, hProj = h_{t-1}
// W_hh^T over the group's batch rows (packed_block.cl), then the cells' units (rnn_cell.cl, lstm_cell.cl, gru_cell.cl), with a
// work-group barrier after each. POCL runs a work-group on one thread, so these barriers cost
// nothing there, and one launch per sequence replaces two per step (a step of lstm-small is tens
// of microseconds, where each enqueue costs a few). The batch rows of a layer are independent, so
// the host gives each compute unit's queue its own rows and one group.

#define GEMM_ODD_TAILS 1
#include "packed_block.cl"
#include "sequence_parts.cl"
#define RECUR_UNIT_WIDTH RECUR_WIDE_UNITS
#include "rnn_cell.cl"
#include "lstm_cell.cl"
#include "gru_cell.cl"

// Cells: mode 0 Elman tanh, 1 Elman ReLU, 2 LSTM (i, f, g, o), 3 GRU (r, z, n); G gates (1, 1, 4,
// 3). Each per-time matrix below is a view (pointer, offset, ld) plus `...Step`, the elements
// between time slots (the whole batch's rows times ld), so that a view may start at the group's
// first batch row.
//
// sequence_forward
//   mode, steps, batch, hidden, reverse   cell, T, B (rows of this group), H, 0 or 1 (t = T-1 .. 0)
//   xProj, xProjOff, xProjLd, xProjStep   (T slots of B, G*H) x_t W_ih^T, no bias
//   gateStride                            columns from one gate to the next in packedW and hProj:
//                                         H, or H rounded up to 16 (zero columns between gates) so
//                                         that every part's columns of each gate are whole panels
//   packedW                               W_hh^T (H x G*gateStride) packed by pack_b_panels (transB: W_hh)
//   biasIH, biasIHOff, biasHH, biasHHOff  (1, G*H) each, read only when hasBias
//   hasBias                               0 or 1
//   hs, hsOff, hsLd, hsStep               (T+1 slots of B, H) states: slot 0 (reverse: T) holds h0
//                                         on entry; h_t goes to slot t+1 (reverse: t)
//   cs, csOff, csLd, csStep               the same for the LSTM's c (ignored by other cells)
//   output, outputOff, outputLd, outputStep  (T slots of B, H) written: h_t, 0 past a sequence's end
//   saved, savedOff, savedLd, savedStep   (T slots of B, S*H) written when hasSaved
//   hasSaved                              0 or 1
//   hProj, hProjOff, hProjLd              (B, G*gateStride) scratch
//   lengths, lengthsOff, hasLengths       (whole batch) int lengths; the group's rows start at
//                                         lengthsOff (its first batch row); read when hasLengths
//   parts, unitsPerPart, sync             each step's hidden units in `parts` parts claimed by the
//                                         groups (sequence_parts.cl); parts == 1: one group does
//                                         every unit, sync is not read. parts > 1 needs gateStride
//                                         and unitsPerPart multiples of 16; sync: steps * (parts + 1) zero ints
// NDRange: 1-D, local any size (work-items take tasks in strides); one group when parts == 1,
// any number of groups (those that find no part left only wait) otherwise.
__kernel void sequence_forward(int mode, int steps, int batch, int hidden, int reverse,
                               __global const float* xProj, int xProjOff, int xProjLd, int xProjStep,
                               int gateStride, __global const float* packedW,
                               __global const float* biasIH, int biasIHOff,
                               __global const float* biasHH, int biasHHOff,
                               int hasBias,
                               __global float* hs, int hsOff, int hsLd, int hsStep,
                               __global float* cs, int csOff, int csLd, int csStep,
                               __global float* output, int outputOff, int outputLd, int outputStep,
                               __global float* saved, int savedOff, int savedLd, int savedStep,
                               int hasSaved,
                               __global float* hProj, int hProjOff, int hProjLd,
                               __global const int* lengths, int lengthsOff, int hasLengths,
                               int parts, int unitsPerPart, __global int* sync) {
    const int lid = get_local_id(0), items = get_local_size(0);
    const int gates = mode == 2 ? 4 : (mode == 3 ? 3 : 1);
    const int width = gates * gateStride;
    const int rowBlocks = (batch + 7) / 8, colPairs = (width + 31) / 32;
    const int chunks = (hidden + RECUR_WIDE_UNITS - 1) / RECUR_WIDE_UNITS;
    __global const float* bi = biasIH + biasIHOff;
    __global const float* bh = biasHH + biasHHOff;
    __global float* hp = hProj + hProjOff;
    __local int claimed;

    for (int step = 0; step < steps; ++step) {
        const int t = reverse ? steps - 1 - step : step;
        const int prevSlot = reverse ? t + 1 : t, nextSlot = reverse ? t : t + 1;
        __global const float* hPrev = hs + hsOff + prevSlot * hsStep;

        for (int part = sequence_first_part(sync, step, parts, &claimed); part < parts;
             part = sequence_next_part(sync, step, parts, &claimed)) {
            // Units u0 ..< u1 (every unit when parts == 1).
            const int u0 = parts == 1 ? 0 : sequence_part_start(part, unitsPerPart);
            const int u1 = parts == 1 ? hidden : sequence_part_end(part, parts, unitsPerPart, hidden);

            // hProj (B, G*S) = h_{t-1} (B, H) W_hh^T (H, G*S), S = gateStride, in blocks of 8 rows x 32 columns: every
            // pair of panels, or each gate's columns of units u0 ..< u1 (whole panels from a multiple of 16)
            // in pairs, the last one's second panel unstored where their count is odd.
            const int panelsPerGate = (u1 - u0 + 15) / 16, blocksPerGate = (panelsPerGate + 1) / 2;
            const int blockTasks = parts == 1 ? colPairs : gates * blocksPerGate;
            for (int task = lid; task < rowBlocks * blockTasks; task += items) {
                const int rb = task % rowBlocks, bt = task / rowBlocks;
                const int gate = parts == 1 ? 0 : bt / blocksPerGate;
                const int p = parts == 1 ? 2 * bt : (gate * gateStride + u0) / 16 + 2 * (bt % blocksPerGate);
                packed_block(parts == 1 ? width : gate * gateStride + u1, hidden, 1.0f, hPrev, hsLd, packedW, p,
                             0.0f, hp, hProjLd, rb * 8, min(rb * 8 + 8, batch));
            }
            barrier(CLK_GLOBAL_MEM_FENCE);

            // The cell: RECUR_WIDE_UNITS units (of u0 ..< u1) of one row a task.
            const int partChunks = parts == 1 ? chunks : (u1 - u0 + RECUR_WIDE_UNITS - 1) / RECUR_WIDE_UNITS;
            for (int task = lid; task < batch * partChunks; task += items) {
                const int b = task / partChunks, j = u0 + (task % partChunks) * RECUR_WIDE_UNITS;
                __global const float* x = xProj + xProjOff + t * xProjStep + b * xProjLd + j;
                __global const float* r = hp + b * hProjLd + j;
                __global float* h = hs + hsOff + nextSlot * hsStep + b * hsLd + j;
                __global float* out = output + outputOff + t * outputStep + b * outputLd + j;
                __global float* s = saved + savedOff + t * savedStep + b * savedLd + j;
                __global const float* hOld = hPrev + b * hsLd + j;
                const int ended = hasLengths && t >= lengths[lengthsOff + b];
                if (mode == 2) {
                    __global const float* cOld = cs + csOff + prevSlot * csStep + b * csLd + j;
                    __global float* c = cs + csOff + nextSlot * csStep + b * csLd + j;
                    RECUR_CHUNKED(
                        const unit_t cPrev = unit_load(cOld, n);
                        if (ended) {
                            unit_forward_past_end(unit_load(hOld, n), h, out, n);
                            unit_store(cPrev, c, n);
                        } else {
                            lstm_unit_forward(
                                unit_load(x, n) + unit_load(r, n), unit_load(x + hidden, n) + unit_load(r + gateStride, n),
                                unit_load(x + 2 * hidden, n) + unit_load(r + 2 * gateStride, n),
                                unit_load(x + 3 * hidden, n) + unit_load(r + 3 * gateStride, n),
                                bi + j, bh + j, hasBias, hidden, cPrev, h, c, out, s, hasSaved, n);
                        })
                } else if (mode == 3) {
                    RECUR_CHUNKED(
                        const unit_t hPrevUnits = unit_load(hOld, n);
                        if (ended) {
                            unit_forward_past_end(hPrevUnits, h, out, n);
                        } else {
                            gru_unit_forward(unit_load(x, n), unit_load(x + hidden, n), unit_load(x + 2 * hidden, n),
                                                unit_load(r, n), unit_load(r + gateStride, n), unit_load(r + 2 * gateStride, n),
                                                bi + j, bh + j, hasBias, hidden, hPrevUnits, h, out, s, hasSaved, n);
                        })
                } else {
                    RECUR_CHUNKED(
                        if (ended) {
                            unit_forward_past_end(unit_load(hOld, n), h, out, n);
                        } else {
                            rnn_unit_forward(unit_load(x, n) + unit_load(r, n), bi + j, bh + j, hasBias, mode == 1, h, out, n);
                        })
                }
            }
        }
        // h_t complete: every part of the step done.
        sequence_end_phase(sync, step, parts);
    }
}

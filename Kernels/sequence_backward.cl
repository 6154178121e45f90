// The backward time loop of one direction of one layer, whole, in one work-group: the mirror of
// sequence_forward.cl (Recur/RecurrentSequence.swift, RecurrentBackwardSequence). For each step,
// in the reverse of the forward's order: the cells' units' backward (rnn_cell.cl, lstm_cell.cl, gru_cell.cl) write dGates_t and
// the direct part of dh_{t-1}, then dh_{t-1} += dGatesH_t W_hh (packed_block.cl), with a
// work-group barrier after each. dh and dc alternate between their buffer and its scratch as in
// the per-step loop (after an odd number of steps the result is in the scratch; the host moves it).

#define GEMM_ODD_TAILS 1
#include "packed_block.cl"
#include "sequence_parts.cl"
#define RECUR_UNIT_WIDTH RECUR_WIDE_UNITS
#include "rnn_cell.cl"
#include "lstm_cell.cl"
#include "gru_cell.cl"

// sequence_backward
//   mode, steps, batch, hidden, reverse   as sequence_forward (mode 0 tanh, 1 ReLU, 2 LSTM, 3 GRU)
//   packedW                               W_hh (G*H x H) packed by pack_b_panels (not transposed)
//   saved, savedOff, savedLd, savedStep   (T slots of B, S*H) what the forward saved (LSTM, GRU)
//   hs, hsOff, hsLd, hsStep               the forward's states (sequence_forward's layout)
//   cs, csOff, csLd, csStep               the LSTM's c states (ignored by other cells)
//   dOutput, dOutputOff, dOutputLd, dOutputStep  (T slots of B, H), read when hasDOutput
//   hasDOutput                            0 or 1
//   dGatesX, dGatesXOff, dGatesXLd, dGatesXStep  (T slots of B, G*H) written
//   dGatesH, dGatesHOff, dGatesHLd, dGatesHStep  (T slots of B, G*H) written (GRU; the same view as
//                                         dGatesX for the other cells)
//   dh, dhOff, dhLd                       (B, H) gradient of h_n on entry
//   dhScratch, dhScratchOff, dhScratchLd  (B, H) scratch
//   dc, dcOff, dcLd, dcScratch, dcScratchOff, dcScratchLd  the same for the LSTM's c
//   lengths, lengthsOff, hasLengths       (whole batch) int lengths; the group's rows start at
//                                         lengthsOff (its first batch row); read when hasLengths
//   parts, unitsPerPart, sync             as sequence_forward; sync: (steps + 1) * (parts + 1) zero ints
// NDRange: as sequence_forward.
//
// With parts, a phase is a step's cell over a part's units, preceded by the previous step's
// product for the same units (dh_t of those units needs every unit's dGates_{t+1}, and nothing
// else from other parts); phase `steps` is the last product alone.
__kernel void sequence_backward(int mode, int steps, int batch, int hidden, int reverse,
                                __global const float* packedW,
                                __global const float* saved, int savedOff, int savedLd, int savedStep,
                                __global const float* hs, int hsOff, int hsLd, int hsStep,
                                __global const float* cs, int csOff, int csLd, int csStep,
                                __global const float* dOutput, int dOutputOff, int dOutputLd, int dOutputStep,
                                int hasDOutput,
                                __global float* dGatesX, int dGatesXOff, int dGatesXLd, int dGatesXStep,
                                __global float* dGatesH, int dGatesHOff, int dGatesHLd, int dGatesHStep,
                                __global float* dh, int dhOff, int dhLd,
                                __global float* dhScratch, int dhScratchOff, int dhScratchLd,
                                __global float* dc, int dcOff, int dcLd,
                                __global float* dcScratch, int dcScratchOff, int dcScratchLd,
                                __global const int* lengths, int lengthsOff, int hasLengths,
                                int parts, int unitsPerPart, __global int* sync) {
    const int lid = get_local_id(0), items = get_local_size(0);
    const int gates = mode == 2 ? 4 : (mode == 3 ? 3 : 1);
    const int width = gates * hidden;
    const int rowBlocks = (batch + 7) / 8, colPairs = (hidden + 31) / 32;
    const int chunks = (hidden + RECUR_WIDE_UNITS - 1) / RECUR_WIDE_UNITS;

    __local int claimed;

    // Phase `step`: dh_t += dGatesH_{t+1} W_hh (the previous step's product, when step > 0), then
    // step's cell (when step < steps). In the per-step order of the definition: cell, product, cell...
    for (int step = 0; step <= steps; ++step) {
        // (Phase `steps` has no cell: its t only keeps the pointers below inside the views.)
        const int t = step == steps ? (reverse ? steps - 1 : 0) : (reverse ? step : steps - 1 - step);
        const int prevSlot = reverse ? t + 1 : t, nextSlot = reverse ? t : t + 1;
        // Even steps read dh (dc) and write the scratch; odd steps the other way round.
        const int even = (step & 1) == 0;
        __global const float* dhIn = even ? dh + dhOff : dhScratch + dhScratchOff;
        __global float* dhOut = even ? dhScratch + dhScratchOff : dh + dhOff;
        const int dhInLd = even ? dhLd : dhScratchLd, dhOutLd = even ? dhScratchLd : dhLd;
        __global const float* dcIn = even ? dc + dcOff : dcScratch + dcScratchOff;
        __global float* dcOut = even ? dcScratch + dcScratchOff : dc + dcOff;
        const int dcInLd = even ? dcLd : dcScratchLd, dcOutLd = even ? dcScratchLd : dcLd;
        __global float* dgxStep = dGatesX + dGatesXOff + t * dGatesXStep;
        __global float* dghStep = dGatesH + dGatesHOff + t * dGatesHStep;
        // The previous step's dGatesH and the dh it adds to (this step's dhIn).
        const int tLast = reverse ? step - 1 : steps - step;
        __global const float* dghLast = dGatesH + dGatesHOff + tLast * dGatesHStep;
        __global float* dhLast = even ? dh + dhOff : dhScratch + dhScratchOff;

        for (int part = sequence_first_part(sync, step, parts, &claimed); part < parts;
             part = sequence_next_part(sync, step, parts, &claimed)) {
            // Units u0 ..< u1 (every unit when parts == 1).
            const int u0 = parts == 1 ? 0 : sequence_part_start(part, unitsPerPart);
            const int u1 = parts == 1 ? hidden : sequence_part_end(part, parts, unitsPerPart, hidden);

            if (step > 0) {
                // dh_t[:, u0 ..< u1] (B, H) += dGatesH_{t+1} (B, G*H) W_hh[:, u0 ..< u1], in blocks of 8
                // rows x 32 columns (u0 a multiple of 16; the last block's second panel unused and
                // unstored where the part's count is odd: its columns end at u1). ceil((u1 - u0) / 32)
                // blocks is ceil(panels / 2); spelled ((u1 - u0 + 15) / 16 + 1) / 2, it made POCL
                // 3.1's parallel-region pass assert ("Incoming edges to non-entry block!").
                const int blockTasks = parts == 1 ? colPairs : (u1 - u0 + 31) / 32;
                for (int task = lid; task < rowBlocks * blockTasks; task += items) {
                    const int rb = task % rowBlocks, p = u0 / 16 + 2 * (task / rowBlocks);
                    packed_block(u1, width, 1.0f, dghLast, dGatesHLd, packedW, p, 1.0f, dhLast, dhInLd,
                                 rb * 8, min(rb * 8 + 8, batch));
                }
                barrier(CLK_GLOBAL_MEM_FENCE);
            }

            // The cell: RECUR_WIDE_UNITS units (of u0 ..< u1) of one row a task.
            const int partChunks = step == steps ? 0
                : parts == 1 ? chunks : (u1 - u0 + RECUR_WIDE_UNITS - 1) / RECUR_WIDE_UNITS;
            for (int task = lid; task < batch * partChunks; task += items) {
                const int b = task / partChunks, j = u0 + (task % partChunks) * RECUR_WIDE_UNITS;
                __global const float* dhNext = dhIn + b * dhInLd + j;
                __global float* dhPrev = dhOut + b * dhOutLd + j;
                __global float* dgx = dgxStep + b * dGatesXLd + j;
                __global float* dgh = dghStep + b * dGatesHLd + j;
                __global const float* s = saved + savedOff + t * savedStep + b * savedLd + j;
                __global const float* dOut = dOutput + dOutputOff + t * dOutputStep + b * dOutputLd + j;
                const int ended = hasLengths && t >= lengths[lengthsOff + b];
                if (mode == 2) {
                    __global const float* dcNext = dcIn + b * dcInLd + j;
                    __global float* dcPrev = dcOut + b * dcOutLd + j;
                    __global const float* cOld = cs + csOff + prevSlot * csStep + b * csLd + j;
                    RECUR_CHUNKED(
                        const unit_t dhUnits = unit_load(dhNext, n), dcUnits = unit_load(dcNext, n);
                        if (ended) {
                            lstm_unit_backward_past_end(dhUnits, dcUnits, hidden, dgx, dcPrev, dhPrev, n);
                        } else {
                            const unit_t dhAll = hasDOutput ? dhUnits + unit_load(dOut, n) : dhUnits;
                            lstm_unit_backward(dhAll, dcUnits, unit_load(cOld, n), s, hidden, dgx, dcPrev, dhPrev, n);
                        })
                } else if (mode == 3) {
                    __global const float* hOld = hs + hsOff + prevSlot * hsStep + b * hsLd + j;
                    RECUR_CHUNKED(
                        const unit_t dhUnits = unit_load(dhNext, n);
                        if (ended) {
                            gru_unit_backward_past_end(dhUnits, hidden, dgx, dgh, dhPrev, n);
                        } else {
                            const unit_t dhAll = hasDOutput ? dhUnits + unit_load(dOut, n) : dhUnits;
                            gru_unit_backward(dhAll, unit_load(hOld, n), s, hidden, dgx, dgh, dhPrev, n);
                        })
                } else {
                    __global const float* hOut = hs + hsOff + nextSlot * hsStep + b * hsLd + j;
                    RECUR_CHUNKED(
                        const unit_t dhUnits = unit_load(dhNext, n);
                        if (ended) {
                            rnn_unit_backward_past_end(dhUnits, dgx, dgh, dhPrev, n);
                        } else {
                            const unit_t dhAll = hasDOutput ? dhUnits + unit_load(dOut, n) : dhUnits;
                            rnn_unit_backward(dhAll, unit_load(hOut, n), mode == 1, dgx, dgh, dhPrev, n);
                        })
                }
            }
        }
        // dGates_t complete: every part of the step done.
        sequence_end_phase(sync, step, parts);
    }
}

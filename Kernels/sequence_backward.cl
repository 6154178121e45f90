// The backward time loop of one direction of one layer, whole, in one work-group: the mirror of
// sequence_forward.cl (Recur/RecurrentSequence.swift, RecurrentBackwardSequence). For each step,
// in the reverse of the forward's order: the cell units' backward (common.cl) write dGates_t and
// the direct part of dh_{t-1}, then dh_{t-1} += dGatesH_t W_hh (packed_block.cl), with a
// work-group barrier after each. dh and dc alternate between their buffer and its scratch as in
// the per-step loop (after an odd number of steps the result is in the scratch; the host moves it).
//
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
// NDRange: 1-D, one work-group: global == local, any size (work-items take tasks in strides).
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
                                __global const int* lengths, int lengthsOff, int hasLengths) {
    const int lid = get_local_id(0), items = get_local_size(0);
    const int gates = mode == 2 ? 4 : (mode == 3 ? 3 : 1);
    const int width = gates * hidden;
    const int rowBlocks = (batch + 7) / 8, colPairs = (hidden + 31) / 32;
    const int chunks = (hidden + RECUR_WIDE_UNITS - 1) / RECUR_WIDE_UNITS;

    for (int step = 0; step < steps; ++step) {
        const int t = reverse ? step : steps - 1 - step;
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

        // The cell: RECUR_WIDE_UNITS units of one row a task.
        for (int task = lid; task < batch * chunks; task += items) {
            const int b = task / chunks, j = (task % chunks) * RECUR_WIDE_UNITS;
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
                RECUR_CHUNKED_BY(RECUR_WIDE_UNITS,
                    const floatw dhUnits = load_fw(dhNext, n), dcUnits = load_fw(dcNext, n);
                    if (ended) {
                        lstm_unit_backward_past_end_fw(dhUnits, dcUnits, hidden, dgx, dcPrev, dhPrev, n);
                    } else {
                        const floatw dhAll = hasDOutput ? dhUnits + load_fw(dOut, n) : dhUnits;
                        lstm_unit_backward_fw(dhAll, dcUnits, load_fw(cOld, n), s, hidden, dgx, dcPrev, dhPrev, n);
                    })
            } else if (mode == 3) {
                __global const float* hOld = hs + hsOff + prevSlot * hsStep + b * hsLd + j;
                RECUR_CHUNKED_BY(RECUR_WIDE_UNITS,
                    const floatw dhUnits = load_fw(dhNext, n);
                    if (ended) {
                        gru_unit_backward_past_end_fw(dhUnits, hidden, dgx, dgh, dhPrev, n);
                    } else {
                        const floatw dhAll = hasDOutput ? dhUnits + load_fw(dOut, n) : dhUnits;
                        gru_unit_backward_fw(dhAll, load_fw(hOld, n), s, hidden, dgx, dgh, dhPrev, n);
                    })
            } else {
                __global const float* hOut = hs + hsOff + nextSlot * hsStep + b * hsLd + j;
                RECUR_CHUNKED_BY(RECUR_WIDE_UNITS,
                    const floatw dhUnits = load_fw(dhNext, n);
                    if (ended) {
                        rnn_unit_backward_past_end_fw(dhUnits, dgx, dgh, dhPrev, n);
                    } else {
                        const floatw dhAll = hasDOutput ? dhUnits + load_fw(dOut, n) : dhUnits;
                        rnn_unit_backward_fw(dhAll, load_fw(hOut, n), mode == 1, dgx, dgh, dhPrev, n);
                    })
            }
        }
        barrier(CLK_GLOBAL_MEM_FENCE);

        // dh_{t-1} (B, H) += dGatesH_t (B, G*H) W_hh (G*H, H), in blocks of 8 rows x 32 columns.
        for (int task = lid; task < rowBlocks * colPairs; task += items) {
            const int rb = task % rowBlocks, np = task / rowBlocks;
            packed_block(hidden, width, 1.0f, dghStep, dGatesHLd, packedW, np, 1.0f, dhOut, dhOutLd, rb * 8,
                         min(rb * 8 + 8, batch));
        }
        barrier(CLK_GLOBAL_MEM_FENCE);
    }
}

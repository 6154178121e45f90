// Losses fused with their gradients: one work-group per row of the batch, each work-item striding
// over the row's columns, reduced through local memory. N = rows (positions), V or C = cols.
//
// softmax_cross_entropy_rows
//   logits (N, V) view; targets (N) int, a negative target ignores the row (padding);
//   losses (1, N) at loss_off, contiguous, written: -log softmax(logits[r])[targets[r]], 0 ignored;
//   grad (N, V) view, written: (softmax(logits[r]) - onehot(targets[r])) * scale, 0 rows ignored;
//   rows = N, cols = V, scale (1 / valid positions for a mean);
//   scratch: local memory of one float per work-item.
//   Range (L * N) with local (L), L a power of two: work-group r handles row r, exactly N groups. Stable: the
//   row's maximum is subtracted before exp. grad may be the logits view itself (every logit the
//   loss needs is read before the first write).
// mean_squared_error_rows
//   pred (N, C) view; targ (N, C) view; losses (1, N) at loss_off, contiguous, written: sum over
//   columns of (pred - targ)^2; grad (N, C) view, written: 2 * (pred - targ) * scale;
//   rows = N, cols = C, scale; scratch: one float per work-item.
//   Range (L * N) with local (L), L a power of two. A NaN target marks a missing value: it adds
//   nothing to the loss and its gradient is 0.
// binary_cross_entropy_logits_rows
//   logits (N, C) view; targ (N, C) view, each in [0, 1] or NaN (missing: masked out); losses (1, N)
//   at loss_off, contiguous, written: sum over columns of max(x, 0) - x*t + log(1 + exp(-|x|));
//   grad (N, C) view, written: (sigmoid(x) - t) * scale; rows = N, cols = C, scale;
//   scratch: one float per work-item. Range (L * N) with local (L), L a power of two.

#define VIEW_AT(off, ld, r, c) ((size_t)(off) + (size_t)(r) * (size_t)(ld) + (size_t)(c))

#include "group_sum.cl"

// The maximum of `value` over the work-group, as group_sum (group_sum.cl) adds it up.

static float group_max(__local float* scratch, const float value) {
    const int lid = get_local_id(0), size = get_local_size(0);
    scratch[lid] = value;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int step = size / 2; step > 0; step >>= 1) {
        if (lid < step) scratch[lid] = fmax(scratch[lid], scratch[lid + step]);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const float total = scratch[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return total;
}

__kernel void softmax_cross_entropy_rows(__global const float* logits, const int l_off, const int l_ld,
                                         __global const int* targets,
                                         __global float* losses, const int loss_off,
                                         __global float* grad, const int g_off, const int g_ld,
                                         const int rows, const int cols, const float scale,
                                         __local float* scratch) {
    const int r = get_group_id(0), lid = get_local_id(0), size = get_local_size(0);
    // Neither an `r >= rows` guard (the range is exactly N groups) nor an early return for an
    // ignored row (padding; out-of-range targets are a caller error, treated the same way rather
    // than read out of bounds): that row runs the same code with its loss and gradient selected
    // to zero. Either return puts the rest of the kernel in control flow, where rusticl/llvmpipe
    // warns that it reads the kernel arguments "as uniform, results may be incorrect".
    const int target = targets[r];
    const bool kept = target >= 0 && target < cols;
    const int column = kept ? target : 0;
    // Every work-item starts from column 0 (which exists: cols >= 1), so that work-items without a
    // column of their own hold a real logit. Not -INFINITY: POCL 3.1 (LLVM 15) miscompiles that
    // version, work-items whose loop runs no iteration ending up with logits[r, lid] read past the
    // row (or past the buffer) instead of -INFINITY.
    float maximum = logits[VIEW_AT(l_off, l_ld, r, 0)];
    for (int c = lid; c < cols; c += size) maximum = fmax(maximum, logits[VIEW_AT(l_off, l_ld, r, c)]);
    maximum = group_max(scratch, maximum);

    float partial = 0.0f;
    for (int c = lid; c < cols; c += size) partial += exp(logits[VIEW_AT(l_off, l_ld, r, c)] - maximum);
    // Read before the reduction's barriers, so no work-item has written grad yet (grad may alias logits).
    const float shifted_target = logits[VIEW_AT(l_off, l_ld, r, column)] - maximum;
    const float log_total = log(group_sum(scratch, partial));

    // Selects, not products with 0: an ignored row's loss and gradient are 0 whatever its logits hold.
    if (lid == 0) losses[loss_off + r] = kept ? log_total - shifted_target : 0.0f;
    for (int c = lid; c < cols; c += size) {
        const size_t at = VIEW_AT(g_off, g_ld, r, c);
        float g = exp(logits[VIEW_AT(l_off, l_ld, r, c)] - maximum - log_total) * scale;
        if (c == target) g -= scale;
        grad[at] = kept ? g : 0.0f;
    }
}

__kernel void mean_squared_error_rows(__global const float* pred, const int p_off, const int p_ld,
                                      __global const float* targ, const int t_off, const int t_ld,
                                      __global float* losses, const int loss_off,
                                      __global float* grad, const int g_off, const int g_ld,
                                      const int rows, const int cols, const float scale,
                                      __local float* scratch) {
    const int r = get_group_id(0), lid = get_local_id(0), size = get_local_size(0);   // r < rows: N groups
    float partial = 0.0f;
    for (int c = lid; c < cols; c += size) {
        const float t = targ[VIEW_AT(t_off, t_ld, r, c)];
        const float d = isnan(t) ? 0.0f : pred[VIEW_AT(p_off, p_ld, r, c)] - t;
        partial += d * d;
        grad[VIEW_AT(g_off, g_ld, r, c)] = 2.0f * d * scale;
    }
    const float total = group_sum(scratch, partial);
    if (lid == 0) losses[loss_off + r] = total;
}

// log(1 + e) for 0 <= e <= 1, from arithmetic alone: 2 atanh(s) with s = e / (2 + e) <= 1/3, its
// series to s^17 (the next term is under 2e-9 of the sum). Not log or log1p: their implementation
// reads a table through an implicit kernel argument, and inside this kernel's loop, whose trip
// count differs between work-items, rusticl/llvmpipe then warns that it reads that argument "as
// uniform, results may be incorrect" (as for softmax_cross_entropy_rows' early returns).
static float log_one_plus_unit(const float e) {
    const float s = e / (2.0f + e), s2 = s * s;
    const float series = 1.0f / 3 + s2 * (1.0f / 5 + s2 * (1.0f / 7 + s2 * (1.0f / 9 + s2 * (1.0f / 11
                       + s2 * (1.0f / 13 + s2 * (1.0f / 15 + s2 * (1.0f / 17)))))));
    return 2.0f * s * (1.0f + s2 * series);
}

__kernel void binary_cross_entropy_logits_rows(__global const float* logits, const int l_off, const int l_ld,
                                               __global const float* targ, const int t_off, const int t_ld,
                                               __global float* losses, const int loss_off,
                                               __global float* grad, const int g_off, const int g_ld,
                                               const int rows, const int cols, const float scale,
                                               __local float* scratch) {
    const int r = get_group_id(0), lid = get_local_id(0), size = get_local_size(0);   // r < rows: N groups
    float partial = 0.0f;
    for (int c = lid; c < cols; c += size) {
        const float x = logits[VIEW_AT(l_off, l_ld, r, c)], target = targ[VIEW_AT(t_off, t_ld, r, c)];
        // A missing target (NaN) computes with 0 and is dropped by selects, not a branch.
        const bool kept = !isnan(target);
        const float t = kept ? target : 0.0f;
        const float e = exp(-fabs(x));   // in (0, 1]: never overflows
        const float sigmoid = (x >= 0.0f ? 1.0f : e) / (1.0f + e);
        partial += kept ? fmax(x, 0.0f) - x * t + log_one_plus_unit(e) : 0.0f;
        grad[VIEW_AT(g_off, g_ld, r, c)] = kept ? (sigmoid - t) * scale : 0.0f;
    }
    const float total = group_sum(scratch, partial);
    if (lid == 0) losses[loss_off + r] = total;
}

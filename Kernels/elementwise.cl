// The backend's dense elementwise operations on matrix views.
//
// A view is a buffer, an element offset, rows, cols and ld (the row stride, ld >= cols): element
// (r, c) is at buffer[off + r * ld + c]. Views let the host address time steps, directions and gate
// blocks of one allocation without copies, so every kernel here takes strided views.
//
// 2-D kernels run on a (cols, rows) range: dimension 0 walks along a row, so neighbouring
// work-items touch neighbouring addresses. Every kernel checks its bounds, so the host may round
// the range up to a multiple of a local size.

// Element (r, c) of a view; size_t so that a large row index times ld does not overflow int.
#define VIEW_AT(off, ld, r, c) ((size_t)(off) + (size_t)(r) * (size_t)(ld) + (size_t)(c))

// dst = value over a rows x cols view.
__kernel void fill_matrix(__global float* dst, const int off, const int rows, const int cols,
                          const int ld, const float value) {
    const int c = get_global_id(0), r = get_global_id(1);
    if (c >= cols || r >= rows) return;
    dst[VIEW_AT(off, ld, r, c)] = value;
}

// dst = src, between two rows x cols views with their own strides (the views must not overlap).
__kernel void copy_matrix(__global const float* src, const int src_off, const int src_ld,
                          __global float* dst, const int dst_off, const int dst_ld,
                          const int rows, const int cols) {
    const int c = get_global_id(0), r = get_global_id(1);
    if (c >= cols || r >= rows) return;
    dst[VIEW_AT(dst_off, dst_ld, r, c)] = src[VIEW_AT(src_off, src_ld, r, c)];
}

// next = previous in the rows whose sequence has ended at `time` (time >= lengths[r]); other rows
// are left as they are. A projected LSTM carries its P-wide state, and the gradient of that state,
// past each length this way (the fused cells carry theirs inside the cell step).
__kernel void carry_past_length(__global const float* src, const int src_off, const int src_ld,
                                __global float* dst, const int dst_off, const int dst_ld,
                                const int rows, const int cols, __global const int* lengths, const int time) {
    const int c = get_global_id(0), r = get_global_id(1);
    if (c >= cols || r >= rows) return;
    if (time < lengths[r]) return;
    dst[VIEW_AT(dst_off, dst_ld, r, c)] = src[VIEW_AT(src_off, src_ld, r, c)];
}

// y += alpha * x over two rows x cols views: the plain SGD step and gradient accumulation.
__kernel void axpy_matrix(const float alpha,
                          __global const float* x, const int x_off, const int x_ld,
                          __global float* y, const int y_off, const int y_ld,
                          const int rows, const int cols) {
    const int c = get_global_id(0), r = get_global_id(1);
    if (c >= cols || r >= rows) return;
    const size_t i = VIEW_AT(y_off, y_ld, r, c);
    y[i] = fma(alpha, x[VIEW_AT(x_off, x_ld, r, c)], y[i]);
}

// partials[chunk, c] = sum over the rows chunk*chunk_rows ..< (chunk+1)*chunk_rows of src[r, c]:
// the first pass of the column sums of a tall matrix (sum_rows over the partials is the second).
// sum_rows alone has one work-item per 16 columns, 32 for a (3200, 512) gate gradient, each
// walking every row: on POCL (2 threads) that ran 0.35 ms for 2048 x 512 and 3 ms for 3200 x 2048.
// Here a (ceil(cols / 16), chunks) range spreads the rows over many work-items; dimension 0 walks
// along the columns, so neighbouring work-items read neighbouring 64-byte runs of the same rows.
__kernel void sum_row_chunks(__global const float* src, const int off, const int rows, const int cols,
                             const int ld, const int chunk_rows, __global float* partials) {
    const int c0 = get_global_id(0) * 16, chunk = get_global_id(1);
    const int r0 = chunk * chunk_rows;
    if (c0 >= cols || r0 >= rows) return;
    const int r1 = min(r0 + chunk_rows, rows);
    __global float* out = partials + (size_t)chunk * cols;
    if (c0 + 16 <= cols) {
        float16 sum = (float16)(0.0f);
        for (int r = r0; r < r1; ++r) sum += vload16(0, src + VIEW_AT(off, ld, r, c0));
        vstore16(sum, 0, out + c0);
        return;
    }
    for (int c = c0; c < cols; ++c) {
        float sum = 0.0f;
        for (int r = r0; r < r1; ++r) sum += src[VIEW_AT(off, ld, r, c)];
        out[c] = sum;
    }
}

// dst[c] = (accumulate ? dst[c] : 0) + sum over r of src[r, c]: column sums (bias gradients).
// One work-item per 16 columns on a (ceil(cols / 16)) range, summing rows in order, as the CPU
// reference does, so both round the same way.
__kernel void sum_rows(__global const float* src, const int off, const int rows, const int cols,
                       const int ld, __global float* dst, const int dst_off, const int accumulate) {
    // Each work-item sums 16 neighbouring columns, so that every row step reads one contiguous
    // 64-byte run: one work-item per column walked the matrix a column at a time (on POCL the bias
    // gradients of lstm-medium took 11-14% of its training step that way).
    const int c0 = get_global_id(0) * 16;
    if (c0 >= cols) return;
    if (c0 + 16 <= cols) {
        float16 sum = accumulate ? vload16(0, dst + dst_off + c0) : (float16)(0.0f);
        for (int r = 0; r < rows; ++r) sum += vload16(0, src + off + r * ld + c0);
        vstore16(sum, 0, dst + dst_off + c0);
        return;
    }
    for (int c = c0; c < cols; ++c) {
        float sum = accumulate ? dst[dst_off + c] : 0.0f;
        for (int r = 0; r < rows; ++r) sum += src[VIEW_AT(off, ld, r, c)];
        dst[dst_off + c] = sum;
    }
}

// clip_cell_state: cuDNN's cell clipping after an LSTM step (Recur's `Backend.clipCellState`).
// c (B, H) view, updated; h, out (B, H) views, written where c was clamped; saved (B, 5H) view, the
// step's saved gates (o at 3H + j read, tanh(c) at 4H + j written); rows running at `time` only.
// Range (H, B).
__kernel void clip_cell_state(__global float* c, const int c_off, const int c_ld,
                              __global float* h, const int h_off, const int h_ld,
                              __global float* out, const int o_off, const int o_ld,
                              __global float* saved, const int s_off, const int s_ld,
                              const int batch, const int hidden, const float clip,
                              __global const int* lengths, const int has_lengths, const int time) {
    const int j = get_global_id(0), b = get_global_id(1);
    if (j >= hidden || b >= batch || (has_lengths && time >= lengths[b])) return;
    const float value = c[VIEW_AT(c_off, c_ld, b, j)];
    if (fabs(value) <= clip) return;
    const float clamped = value > 0.0f ? clip : -clip, tc = tanh(clamped);
    c[VIEW_AT(c_off, c_ld, b, j)] = clamped;
    saved[VIEW_AT(s_off, s_ld, b, 4 * hidden + j)] = tc;
    const float hv = saved[VIEW_AT(s_off, s_ld, b, 3 * hidden + j)] * tc;
    h[VIEW_AT(h_off, h_ld, b, j)] = hv;
    out[VIEW_AT(o_off, o_ld, b, j)] = hv;
}

// clip_cell_state_backward: its backward after the LSTM cell's: where c was clamped (the saved
// tanh(c), saved (B, 5H) column 4H + j, is the tanh(+-clip) clip_cell_state wrote), the gradients of
// i, f, g (d_gates (B, 4H), columns j, H + j, 2H + j) and of the previous c (dc_prev (B, H)) are
// zero; rows running at `time` only. Range (H, B).
__kernel void clip_cell_state_backward(__global const float* saved, const int s_off, const int s_ld,
                                       __global float* d_gates, const int g_off, const int g_ld,
                                       __global float* dc_prev, const int d_off, const int d_ld,
                                       const int batch, const int hidden, const float clip,
                                       __global const int* lengths, const int has_lengths, const int time) {
    const int j = get_global_id(0), b = get_global_id(1);
    if (j >= hidden || b >= batch || (has_lengths && time >= lengths[b])) return;
    if (fabs(saved[VIEW_AT(s_off, s_ld, b, 4 * hidden + j)]) < tanh(clip)) return;
    for (int k = 0; k < 3; ++k) d_gates[VIEW_AT(g_off, g_ld, b, k * hidden + j)] = 0.0f;
    dc_prev[VIEW_AT(d_off, d_ld, b, j)] = 0.0f;
}

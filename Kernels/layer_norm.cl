// The layer-normalised cells (shared/fixtures/FORMAT.md, "Layer-normalised cells";
// Sources/Recur/LayerNormSequence.swift and LayerNormCell.swift hold the equations): row
// normalisation forward beside backward, the gains' column sums, and the fused LSTM cell step with
// its cell-state normalisation. The row kernels run one work-group per row (local size a power of
// two), each work-item striding over the row's columns, reduced through local memory; every
// work-item of a group reaches every barrier (no early return).
//
// layer_norm_rows
//   x (rows, cols) view; gain (1, cols); normalized, output (rows, cols) views, written: normalized =
//   (x - mean) * rstd, output = normalized * gain (output may be x: a work-item writes only the
//   columns it read, after the row's sums); deviation (1, rows), written: rstd. Range (L * rows), local (L).
// layer_norm_backward_rows
//   dy (rows, cols); normalized (rows, cols); deviation (1, rows); gain (1, cols); dx (rows, cols),
//   written (may be dy): g = dy * gain, dx = rstd * (g - mean(g) - normalized * mean(g * normalized)).
//   Range (L * rows), local (L).
// sum_row_product_chunks
//   a, b (rows, cols); partials (chunks, cols), written: partials[k, c] = sum over the rows
//   k*chunk_rows ..< (k+1)*chunk_rows of a[r, c] * b[r, c]; `sum_rows` adds the chunks up (the
//   column sums' two passes, as `sum_row_chunks`). Range (ceil(cols / 16), chunks). One work-item
//   per column walking all rows ran 50 ms for 3200 x 2048 on POCL.
// layer_norm_lstm_forward
//   One step of the layer-normalised LSTM for the rows of a batch (LayerNormLSTMForwardStep); saved
//   rows hold i, f, g, o, tanh(n), nhat and rstd (`LayerNormLSTM`). Range (L * B), local (L).
// layer_norm_lstm_backward
//   Its backward (LayerNormLSTMBackwardStep). Range (L * B), local (L).

#define VIEW_AT(off, ld, r, c) ((size_t)(off) + (size_t)(r) * (size_t)(ld) + (size_t)(c))

#include "group_sum.cl"

// The builtin tanh, not units.cl's 1 - 2 / (exp(2x) + 1): that one's absolute error near 0 moved a
// fixture's gradient (ln_lstm_odd_13x37, grad.weight_hh_l0) past the tolerance, the normalisation
// amplifying it; the builtin cost 15% more in this kernel (1.10 against 0.96 ms, 64 x 512, POCL).
static float sigmoid_of(const float x) { return 1.0f / (1.0f + exp(-x)); }

__kernel void layer_norm_rows(__global const float* x, const int x_off, const int x_ld,
                              __global const float* gain, const int gain_off,
                              __global float* normalized, const int n_off, const int n_ld,
                              __global float* output, const int y_off, const int y_ld,
                              __global float* deviation, const int dev_off,
                              const int rows, const int cols, const float epsilon, __local float* scratch) {
    const int r = get_group_id(0), lid = get_local_id(0), size = get_local_size(0);   // rows groups
    float partial = 0.0f;
    for (int c = lid; c < cols; c += size) partial += x[VIEW_AT(x_off, x_ld, r, c)];
    const float mean = group_sum(scratch, partial) / (float)cols;
    partial = 0.0f;
    for (int c = lid; c < cols; c += size) {
        const float d = x[VIEW_AT(x_off, x_ld, r, c)] - mean;
        partial += d * d;
    }
    const float rstd = rsqrt(group_sum(scratch, partial) / (float)cols + epsilon);
    for (int c = lid; c < cols; c += size) {
        const float nhat = (x[VIEW_AT(x_off, x_ld, r, c)] - mean) * rstd;
        normalized[VIEW_AT(n_off, n_ld, r, c)] = nhat;
        output[VIEW_AT(y_off, y_ld, r, c)] = nhat * gain[gain_off + c];
    }
    if (lid == 0) deviation[dev_off + r] = rstd;
}

__kernel void layer_norm_backward_rows(__global const float* dy, const int dy_off, const int dy_ld,
                                       __global const float* normalized, const int n_off, const int n_ld,
                                       __global const float* deviation, const int dev_off,
                                       __global const float* gain, const int gain_off,
                                       __global float* dx, const int dx_off, const int dx_ld,
                                       const int rows, const int cols, __local float* scratch) {
    const int r = get_group_id(0), lid = get_local_id(0), size = get_local_size(0);
    float partial_g = 0.0f, partial_gn = 0.0f;
    for (int c = lid; c < cols; c += size) {
        const float g = dy[VIEW_AT(dy_off, dy_ld, r, c)] * gain[gain_off + c];
        partial_g += g;
        partial_gn += g * normalized[VIEW_AT(n_off, n_ld, r, c)];
    }
    const float mean_g = group_sum(scratch, partial_g) / (float)cols;
    const float mean_gn = group_sum(scratch, partial_gn) / (float)cols;
    const float rstd = deviation[dev_off + r];
    for (int c = lid; c < cols; c += size) {
        const float g = dy[VIEW_AT(dy_off, dy_ld, r, c)] * gain[gain_off + c];
        dx[VIEW_AT(dx_off, dx_ld, r, c)] = rstd * (g - mean_g - normalized[VIEW_AT(n_off, n_ld, r, c)] * mean_gn);
    }
}

__kernel void sum_row_product_chunks(__global const float* a, const int a_off, const int a_ld,
                                     __global const float* b, const int b_off, const int b_ld,
                                     const int rows, const int cols, const int chunk_rows, __global float* partials) {
    const int c0 = get_global_id(0) * 16, chunk = get_global_id(1);
    const int r0 = chunk * chunk_rows;
    if (c0 >= cols || r0 >= rows) return;
    const int r1 = min(r0 + chunk_rows, rows);
    __global float* out = partials + (size_t)chunk * cols;
    if (c0 + 16 <= cols) {
        float16 sum = (float16)(0.0f);
        for (int r = r0; r < r1; ++r) {
            sum += vload16(0, a + VIEW_AT(a_off, a_ld, r, c0)) * vload16(0, b + VIEW_AT(b_off, b_ld, r, c0));
        }
        vstore16(sum, 0, out + c0);
        return;
    }
    for (int c = c0; c < cols; ++c) {
        float sum = 0.0f;
        for (int r = r0; r < r1; ++r) sum += a[VIEW_AT(a_off, a_ld, r, c)] * b[VIEW_AT(b_off, b_ld, r, c)];
        out[c] = sum;
    }
}

// A row's sequence is running at `time` (or there are no lengths).
static int row_runs(__global const int* lengths, const int has_lengths, const int r, const int time) {
    return !has_lengths || time < lengths[r];
}

__kernel void layer_norm_lstm_forward(__global const float* xp, const int xp_off, const int xp_ld,
                                      __global const float* hp, const int hp_off, const int hp_ld,
                                      __global const float* bias_ih, const int bih_off,
                                      __global const float* bias_hh, const int bhh_off, const int has_bias,
                                      __global const float* cell_gain, const int cg_off,
                                      __global const float* cell_bias, const int cb_off, const float epsilon,
                                      __global const float* h_prev, const int hprev_off, const int hprev_ld,
                                      __global float* h_next, const int hnext_off, const int hnext_ld,
                                      __global const float* c_prev, const int cprev_off, const int cprev_ld,
                                      __global float* c_next, const int cnext_off, const int cnext_ld,
                                      __global float* out, const int out_off, const int out_ld,
                                      __global float* saved, const int saved_off, const int saved_ld, const int has_saved,
                                      __global const int* lengths, const int has_lengths, const int time,
                                      const int batch, const int hidden, __local float* scratch) {
    const int r = get_group_id(0), lid = get_local_id(0), size = get_local_size(0);   // batch groups
    const int runs = row_runs(lengths, has_lengths, r, time);
    // Pass 1: the gates and c'; o waits in the output row (the saved row may be absent). Each
    // work-item reads a unit's four pre-activations before it writes that unit's gates, which may
    // lie over them (the input part is the saved row itself in training).
    float partial = 0.0f;
    for (int j = lid; j < hidden; j += size) {
        if (!runs) continue;
        float pre[4];
        for (int k = 0; k < 4; ++k) {
            const int col = k * hidden + j;
            pre[k] = xp[VIEW_AT(xp_off, xp_ld, r, col)] + hp[VIEW_AT(hp_off, hp_ld, r, col)]
                + (has_bias ? bias_ih[bih_off + col] + bias_hh[bhh_off + col] : 0.0f);
        }
        const float i = sigmoid_of(pre[0]), f = sigmoid_of(pre[1]), g = tanh(pre[2]), o = sigmoid_of(pre[3]);
        const float c = f * c_prev[VIEW_AT(cprev_off, cprev_ld, r, j)] + i * g;
        c_next[VIEW_AT(cnext_off, cnext_ld, r, j)] = c;
        out[VIEW_AT(out_off, out_ld, r, j)] = o;
        if (has_saved) {
            saved[VIEW_AT(saved_off, saved_ld, r, j)] = i;
            saved[VIEW_AT(saved_off, saved_ld, r, hidden + j)] = f;
            saved[VIEW_AT(saved_off, saved_ld, r, 2 * hidden + j)] = g;
            saved[VIEW_AT(saved_off, saved_ld, r, 3 * hidden + j)] = o;
        }
        partial += c;
    }
    // Every work-item writes and then reads only its own units' c' and o: no barrier needed for
    // them; the sums' barriers are reached by every work-item.
    const float mean = group_sum(scratch, partial) / (float)hidden;
    partial = 0.0f;
    for (int j = lid; j < hidden; j += size) {
        if (!runs) continue;
        const float d = c_next[VIEW_AT(cnext_off, cnext_ld, r, j)] - mean;
        partial += d * d;
    }
    const float rstd = rsqrt(group_sum(scratch, partial) / (float)hidden + epsilon);
    for (int j = lid; j < hidden; j += size) {
        if (runs) {
            const float nhat = (c_next[VIEW_AT(cnext_off, cnext_ld, r, j)] - mean) * rstd;
            const float tn = tanh(nhat * cell_gain[cg_off + j] + cell_bias[cb_off + j]);
            const float value = out[VIEW_AT(out_off, out_ld, r, j)] * tn;
            h_next[VIEW_AT(hnext_off, hnext_ld, r, j)] = value;
            out[VIEW_AT(out_off, out_ld, r, j)] = value;
            if (has_saved) {
                saved[VIEW_AT(saved_off, saved_ld, r, 4 * hidden + j)] = tn;
                saved[VIEW_AT(saved_off, saved_ld, r, 5 * hidden + j)] = nhat;
            }
        } else {
            // A finished sequence carries its state and outputs zero.
            h_next[VIEW_AT(hnext_off, hnext_ld, r, j)] = h_prev[VIEW_AT(hprev_off, hprev_ld, r, j)];
            c_next[VIEW_AT(cnext_off, cnext_ld, r, j)] = c_prev[VIEW_AT(cprev_off, cprev_ld, r, j)];
            out[VIEW_AT(out_off, out_ld, r, j)] = 0.0f;
            // nhat enters the gain's gradient as 0 * nhat: it must be finite, not stale memory.
            if (has_saved) saved[VIEW_AT(saved_off, saved_ld, r, 5 * hidden + j)] = 0.0f;
        }
    }
    if (runs && has_saved && lid == 0) saved[VIEW_AT(saved_off, saved_ld, r, 6 * hidden)] = rstd;
}

__kernel void layer_norm_lstm_backward(__global const float* saved_in, const int saved_off, const int saved_ld,
                                       __global float* d_gates, const int dg_off, const int dg_ld,
                                       __global const float* c_prev, const int cprev_off, const int cprev_ld,
                                       __global const float* cell_gain, const int cg_off,
                                       __global const float* dh_next, const int dhn_off, const int dhn_ld,
                                       __global const float* dc_next, const int dcn_off, const int dcn_ld,
                                       __global const float* d_out, const int dout_off, const int dout_ld, const int has_dout,
                                       __global float* d_cell, const int dcell_off, const int dcell_ld,
                                       __global float* dh_prev, const int dhp_off, const int dhp_ld,
                                       __global float* dc_prev, const int dcp_off, const int dcp_ld,
                                       __global const int* lengths, const int has_lengths, const int time,
                                       const int batch, const int hidden, __local float* scratch) {
    const int r = get_group_id(0), lid = get_local_id(0), size = get_local_size(0);
    const int runs = row_runs(lengths, has_lengths, r, time);
    // Pass 1: dn = dh * o * (1 - tanh(n)^2) and the sums of u = dn * gain and u * nhat.
    float partial_u = 0.0f, partial_un = 0.0f;
    for (int j = lid; j < hidden; j += size) {
        if (!runs) continue;
        const float dh = dh_next[VIEW_AT(dhn_off, dhn_ld, r, j)] + (has_dout ? d_out[VIEW_AT(dout_off, dout_ld, r, j)] : 0.0f);
        const float o = saved_in[VIEW_AT(saved_off, saved_ld, r, 3 * hidden + j)];
        const float tn = saved_in[VIEW_AT(saved_off, saved_ld, r, 4 * hidden + j)];
        const float dn = dh * o * (1.0f - tn * tn);
        d_cell[VIEW_AT(dcell_off, dcell_ld, r, j)] = dn;
        const float u = dn * cell_gain[cg_off + j];
        partial_u += u;
        partial_un += u * saved_in[VIEW_AT(saved_off, saved_ld, r, 5 * hidden + j)];
    }
    const float mean_u = group_sum(scratch, partial_u) / (float)hidden;
    const float mean_un = group_sum(scratch, partial_un) / (float)hidden;
    // Pass 2: dc, then the gates over the saved ones (each unit's read before it is written).
    for (int j = lid; j < hidden; j += size) {
        if (runs) {
            const float rstd = saved_in[VIEW_AT(saved_off, saved_ld, r, 6 * hidden)];
            const float dh = dh_next[VIEW_AT(dhn_off, dhn_ld, r, j)] + (has_dout ? d_out[VIEW_AT(dout_off, dout_ld, r, j)] : 0.0f);
            const float u = d_cell[VIEW_AT(dcell_off, dcell_ld, r, j)] * cell_gain[cg_off + j];
            const float nhat = saved_in[VIEW_AT(saved_off, saved_ld, r, 5 * hidden + j)];
            const float dc = dc_next[VIEW_AT(dcn_off, dcn_ld, r, j)] + rstd * (u - mean_u - nhat * mean_un);
            const float i = saved_in[VIEW_AT(saved_off, saved_ld, r, j)];
            const float f = saved_in[VIEW_AT(saved_off, saved_ld, r, hidden + j)];
            const float g = saved_in[VIEW_AT(saved_off, saved_ld, r, 2 * hidden + j)];
            const float o = saved_in[VIEW_AT(saved_off, saved_ld, r, 3 * hidden + j)];
            const float tn = saved_in[VIEW_AT(saved_off, saved_ld, r, 4 * hidden + j)];
            d_gates[VIEW_AT(dg_off, dg_ld, r, j)] = dc * g * i * (1.0f - i);
            d_gates[VIEW_AT(dg_off, dg_ld, r, hidden + j)] = dc * c_prev[VIEW_AT(cprev_off, cprev_ld, r, j)] * f * (1.0f - f);
            d_gates[VIEW_AT(dg_off, dg_ld, r, 2 * hidden + j)] = dc * i * (1.0f - g * g);
            d_gates[VIEW_AT(dg_off, dg_ld, r, 3 * hidden + j)] = dh * tn * o * (1.0f - o);
            dc_prev[VIEW_AT(dcp_off, dcp_ld, r, j)] = dc * f;
            dh_prev[VIEW_AT(dhp_off, dhp_ld, r, j)] = 0.0f;
        } else {
            for (int k = 0; k < 4; ++k) d_gates[VIEW_AT(dg_off, dg_ld, r, k * hidden + j)] = 0.0f;
            d_cell[VIEW_AT(dcell_off, dcell_ld, r, j)] = 0.0f;
            dh_prev[VIEW_AT(dhp_off, dhp_ld, r, j)] = dh_next[VIEW_AT(dhn_off, dhn_ld, r, j)];
            dc_prev[VIEW_AT(dcp_off, dcp_ld, r, j)] = dc_next[VIEW_AT(dcn_off, dcn_ld, r, j)];
        }
    }
}

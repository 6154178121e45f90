// The layer-normalised cells (shared/fixtures/FORMAT.md, "Layer-normalised cells";
// Sources/Recur/LayerNormSequence.swift and LayerNormCell.swift hold the equations): row
// normalisation forward beside backward, the gains' column sums, and the fused LSTM cell step with
// its cell-state normalisation. The row kernels run one work-group per row (local size a power of
// two), each work-item striding over the row's columns RECUR_UNIT_WIDTH at a time (units.cl's
// unit_t), reduced through local memory; every work-item of a group reaches every barrier (no early
// return). The launch defines the width: 1 on GPUs, where the group's work-items are the lanes; on
// CPU devices a group is one work-item (POCL runs a group's work-items one after another and each
// barrier level costs a pass over them), and its loops run float8 or float16 vectors instead
// (`LayerNormKernels.unitWidth`, with the measurements).
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

#ifndef RECUR_UNIT_WIDTH
#define RECUR_UNIT_WIDTH 1
#endif
#include "units.cl"
#include "group_sum.cl"

#define W RECUR_UNIT_WIDTH

// v with its lanes from n on set to 0 (a row's last chunk may be partial: units.cl loads its
// missing lanes as 0, but x - mean of such a lane is not 0).
static inline unit_t unit_first(const unit_t v, const int n) {
#if W == 1
    return v;
#else
    if (n >= W) return v;
    float lanes[W];
    RECUR_UNIT_VSTORE(v, 0, lanes);
    for (int k = n; k < W; ++k) lanes[k] = 0.0f;
    return RECUR_UNIT_VLOAD(0, lanes);
#endif
}

// The sum of v's lanes.
static inline float unit_sum(const unit_t v) {
#if W == 1
    return v;
#elif W == 8
    const float4 a = v.lo + v.hi;
    const float2 b = a.lo + a.hi;
    return b.x + b.y;
#else
    const float8 a = v.lo + v.hi;
    const float4 b = a.lo + a.hi;
    const float2 c = b.lo + b.hi;
    return c.x + c.y;
#endif
}

// The builtin tanh, not units.cl's 1 - 2 / (exp(2x) + 1): that one's absolute error near 0 moved a
// fixture's gradient (a 13 x 37 LN-LSTM, grad.weight_hh_l0) past the tolerance, the normalisation
// amplifying it; the builtin cost 15% more in this kernel (1.10 against 0.96 ms, 64 x 512, POCL).
static inline unit_t sigmoid_of(const unit_t x) { return 1.0f / (1.0f + exp(-x)); }

// A work-item's columns of a row: c = lid * W, then every size * W; n = the lanes that exist.
#define FOR_UNITS(c, n, cols) \
    for (int c = get_local_id(0) * W, n = min(W, (cols) - c); c < (cols); \
         c += get_local_size(0) * W, n = min(W, (cols) - c))

__kernel void layer_norm_rows(__global const float* x, const int x_off, const int x_ld,
                              __global const float* gain, const int gain_off,
                              __global float* normalized, const int n_off, const int n_ld,
                              __global float* output, const int y_off, const int y_ld,
                              __global float* deviation, const int dev_off,
                              const int rows, const int cols, const float epsilon, __local float* scratch) {
    const int r = get_group_id(0);   // rows groups
    __global const float* xr = x + VIEW_AT(x_off, x_ld, r, 0);
    __global float* nr = normalized + VIEW_AT(n_off, n_ld, r, 0);
    __global float* yr = output + VIEW_AT(y_off, y_ld, r, 0);
    unit_t partial = 0.0f;
    FOR_UNITS(c, n, cols) partial += unit_load(xr + c, n);
    const float mean = group_sum(scratch, unit_sum(partial)) / (float)cols;
    partial = 0.0f;
    FOR_UNITS(c, n, cols) {
        const unit_t d = unit_first(unit_load(xr + c, n) - mean, n);
        partial += d * d;
    }
    const float rstd = rsqrt(group_sum(scratch, unit_sum(partial)) / (float)cols + epsilon);
    FOR_UNITS(c, n, cols) {
        const unit_t nhat = (unit_load(xr + c, n) - mean) * rstd;
        unit_store(nhat, nr + c, n);
        unit_store(nhat * unit_load(gain + gain_off + c, n), yr + c, n);
    }
    if (get_local_id(0) == 0) deviation[dev_off + r] = rstd;
}

__kernel void layer_norm_backward_rows(__global const float* dy, const int dy_off, const int dy_ld,
                                       __global const float* normalized, const int n_off, const int n_ld,
                                       __global const float* deviation, const int dev_off,
                                       __global const float* gain, const int gain_off,
                                       __global float* dx, const int dx_off, const int dx_ld,
                                       const int rows, const int cols, __local float* scratch) {
    const int r = get_group_id(0);
    __global const float* dyr = dy + VIEW_AT(dy_off, dy_ld, r, 0);
    __global const float* nr = normalized + VIEW_AT(n_off, n_ld, r, 0);
    __global float* dxr = dx + VIEW_AT(dx_off, dx_ld, r, 0);
    unit_t partial_g = 0.0f, partial_gn = 0.0f;
    FOR_UNITS(c, n, cols) {
        const unit_t g = unit_load(dyr + c, n) * unit_load(gain + gain_off + c, n);
        partial_g += g;
        partial_gn += g * unit_load(nr + c, n);
    }
    const float mean_g = group_sum(scratch, unit_sum(partial_g)) / (float)cols;
    const float mean_gn = group_sum(scratch, unit_sum(partial_gn)) / (float)cols;
    const float rstd = deviation[dev_off + r];
    FOR_UNITS(c, n, cols) {
        const unit_t g = unit_load(dyr + c, n) * unit_load(gain + gain_off + c, n);
        unit_store(rstd * (g - mean_g - unit_load(nr + c, n) * mean_gn), dxr + c, n);
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
    const int r = get_group_id(0);   // batch groups
    const int runs = row_runs(lengths, has_lengths, r, time);
    __global const float* xr = xp + VIEW_AT(xp_off, xp_ld, r, 0);
    __global const float* hr = hp + VIEW_AT(hp_off, hp_ld, r, 0);
    __global const float* hprev = h_prev + VIEW_AT(hprev_off, hprev_ld, r, 0);
    __global float* hnext = h_next + VIEW_AT(hnext_off, hnext_ld, r, 0);
    __global const float* cprev = c_prev + VIEW_AT(cprev_off, cprev_ld, r, 0);
    __global float* cnext = c_next + VIEW_AT(cnext_off, cnext_ld, r, 0);
    __global float* outr = out + VIEW_AT(out_off, out_ld, r, 0);
    __global float* sr = saved + VIEW_AT(saved_off, saved_ld, r, 0);
    // Pass 1: the gates and c'; o waits in the output row (the saved row may be absent). Each
    // work-item reads a unit's four pre-activations before it writes that unit's gates, which may
    // lie over them (the input part is the saved row itself in training).
    unit_t partial = 0.0f;
    if (runs) FOR_UNITS(j, n, hidden) {
        unit_t pre[4];
        for (int k = 0; k < 4; ++k) {
            const int col = k * hidden + j;
            pre[k] = unit_load(xr + col, n) + unit_load(hr + col, n);
            if (has_bias) pre[k] += unit_load(bias_ih + bih_off + col, n) + unit_load(bias_hh + bhh_off + col, n);
        }
        const unit_t i = sigmoid_of(pre[0]), f = sigmoid_of(pre[1]), g = tanh(pre[2]), o = sigmoid_of(pre[3]);
        const unit_t c = unit_first(f * unit_load(cprev + j, n) + i * g, n);
        unit_store(c, cnext + j, n);
        unit_store(o, outr + j, n);
        if (has_saved) {
            unit_store(i, sr + j, n);
            unit_store(f, sr + hidden + j, n);
            unit_store(g, sr + 2 * hidden + j, n);
            unit_store(o, sr + 3 * hidden + j, n);
        }
        partial += c;
    }
    // Every work-item writes and then reads only its own units' c' and o: no barrier needed for
    // them; the sums' barriers are reached by every work-item (group_sum is outside the branches).
    const float mean = group_sum(scratch, unit_sum(partial)) / (float)hidden;
    partial = 0.0f;
    if (runs) FOR_UNITS(j, n, hidden) {
        const unit_t d = unit_first(unit_load(cnext + j, n) - mean, n);
        partial += d * d;
    }
    const float rstd = rsqrt(group_sum(scratch, unit_sum(partial)) / (float)hidden + epsilon);
    if (runs) {
        FOR_UNITS(j, n, hidden) {
            const unit_t nhat = (unit_load(cnext + j, n) - mean) * rstd;
            const unit_t tn = tanh(nhat * unit_load(cell_gain + cg_off + j, n) + unit_load(cell_bias + cb_off + j, n));
            const unit_t value = unit_load(outr + j, n) * tn;
            unit_store(value, hnext + j, n);
            unit_store(value, outr + j, n);
            if (has_saved) {
                unit_store(tn, sr + 4 * hidden + j, n);
                unit_store(nhat, sr + 5 * hidden + j, n);
            }
        }
        if (has_saved && get_local_id(0) == 0) sr[6 * hidden] = rstd;
    } else {
        // A finished sequence carries its state and outputs zero.
        FOR_UNITS(j, n, hidden) {
            unit_store(unit_load(hprev + j, n), hnext + j, n);
            unit_store(unit_load(cprev + j, n), cnext + j, n);
            unit_store((unit_t)(0.0f), outr + j, n);
            // nhat enters the gain's gradient as 0 * nhat: it must be finite, not stale memory.
            if (has_saved) unit_store((unit_t)(0.0f), sr + 5 * hidden + j, n);
        }
    }
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
    const int r = get_group_id(0);
    const int runs = row_runs(lengths, has_lengths, r, time);
    __global const float* sr = saved_in + VIEW_AT(saved_off, saved_ld, r, 0);
    __global float* dgr = d_gates + VIEW_AT(dg_off, dg_ld, r, 0);
    __global const float* cprev = c_prev + VIEW_AT(cprev_off, cprev_ld, r, 0);
    __global const float* dhn = dh_next + VIEW_AT(dhn_off, dhn_ld, r, 0);
    __global const float* dcn = dc_next + VIEW_AT(dcn_off, dcn_ld, r, 0);
    __global const float* dor = d_out + VIEW_AT(dout_off, dout_ld, r, 0);
    __global float* dcell = d_cell + VIEW_AT(dcell_off, dcell_ld, r, 0);
    __global float* dhp = dh_prev + VIEW_AT(dhp_off, dhp_ld, r, 0);
    __global float* dcp = dc_prev + VIEW_AT(dcp_off, dcp_ld, r, 0);
    // Pass 1: dn = dh * o * (1 - tanh(n)^2) and the sums of u = dn * gain and u * nhat.
    unit_t partial_u = 0.0f, partial_un = 0.0f;
    if (runs) FOR_UNITS(j, n, hidden) {
        const unit_t dh = unit_load(dhn + j, n) + (has_dout ? unit_load(dor + j, n) : (unit_t)(0.0f));
        const unit_t o = unit_load(sr + 3 * hidden + j, n), tn = unit_load(sr + 4 * hidden + j, n);
        const unit_t dn = dh * o * (1.0f - tn * tn);
        unit_store(dn, dcell + j, n);
        const unit_t u = dn * unit_load(cell_gain + cg_off + j, n);
        partial_u += u;
        partial_un += u * unit_load(sr + 5 * hidden + j, n);
    }
    const float mean_u = group_sum(scratch, unit_sum(partial_u)) / (float)hidden;
    const float mean_un = group_sum(scratch, unit_sum(partial_un)) / (float)hidden;
    // Pass 2: dc, then the gates over the saved ones (each unit's read before it is written).
    if (runs) {
        const float rstd = sr[6 * hidden];
        FOR_UNITS(j, n, hidden) {
            const unit_t dh = unit_load(dhn + j, n) + (has_dout ? unit_load(dor + j, n) : (unit_t)(0.0f));
            const unit_t u = unit_load(dcell + j, n) * unit_load(cell_gain + cg_off + j, n);
            const unit_t nhat = unit_load(sr + 5 * hidden + j, n);
            const unit_t dc = unit_load(dcn + j, n) + rstd * (u - mean_u - nhat * mean_un);
            const unit_t i = unit_load(sr + j, n), f = unit_load(sr + hidden + j, n);
            const unit_t g = unit_load(sr + 2 * hidden + j, n), o = unit_load(sr + 3 * hidden + j, n);
            const unit_t tn = unit_load(sr + 4 * hidden + j, n);
            unit_store(dc * g * i * (1.0f - i), dgr + j, n);
            unit_store(dc * unit_load(cprev + j, n) * f * (1.0f - f), dgr + hidden + j, n);
            unit_store(dc * i * (1.0f - g * g), dgr + 2 * hidden + j, n);
            unit_store(dh * tn * o * (1.0f - o), dgr + 3 * hidden + j, n);
            unit_store(dc * f, dcp + j, n);
            unit_store((unit_t)(0.0f), dhp + j, n);
        }
    } else {
        FOR_UNITS(j, n, hidden) {
            for (int k = 0; k < 4; ++k) unit_store((unit_t)(0.0f), dgr + k * hidden + j, n);
            unit_store((unit_t)(0.0f), dcell + j, n);
            unit_store(unit_load(dhn + j, n), dhp + j, n);
            unit_store(unit_load(dcn + j, n), dcp + j, n);
        }
    }
}

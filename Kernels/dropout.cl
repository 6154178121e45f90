// Inverted dropout with the mask every backend shares (Recur's `DropoutMask`); the same kernel is
// the forward (on activations) and the backward (on their gradients, with the same seed).
//
// dropout_matrix  src (rows, cols) view; dst (rows, cols) view, written (it may be src itself);
//                 seed: the call's 32-bit seed, passed as an int and read back as its uint bits;
//                 threshold: DropoutMask.threshold(probability) computed on the host, likewise an
//                 int holding uint bits; scale = 1 / (1 - probability) computed on the host.
//                 Range (cols, rows): element i = r * cols + c (mod 2^32) of the view is kept when
//                 hash(seed, i) >= threshold: dst = keep ? src * scale : 0.
// zoneout_rows    One step of zoneout (Recur's `Backend.zoneout`, `ZoneoutMask`): prev, next (B, N)
//                 views, next updated; out (B, N) view written too when has_out; for every row b
//                 running at `time` (lengths as the cells take them), unit j holds its previous value
//                 when hash(seed, (time * B + b) * N + j) < threshold (training), else
//                 next = p * prev + (1 - p) * next. Rows that have ended are not touched. Range (N, B).
// zoneout_backward_rows  Its backward: grad (B, N) updated, out_grad (B, N) read when has_out,
//                 carry (B, N) written: g = grad + out_grad; grad = holds ? 0 : g, carry = holds ? g : 0
//                 for running rows; ended rows: carry = 0, grad untouched. Range (N, B).

#define VIEW_AT(off, ld, r, c) ((size_t)(off) + (size_t)(r) * (size_t)(ld) + (size_t)(c))

// DropoutMask.hash, bit for bit: multiply-xorshift rounds on 32-bit unsigned integers (which wrap,
// like Swift's &*).
static inline uint dropout_hash(const uint seed, const uint index) {
    uint x = (index * 0x9E3779B9u) ^ seed;
    x ^= x >> 16;
    x *= 0x7FEB352Du;
    x ^= x >> 15;
    x *= 0x846CA68Bu;
    x ^= x >> 16;
    return x;
}

__kernel void dropout_matrix(__global const float* src, const int s_off, const int s_ld,
                             __global float* dst, const int d_off, const int d_ld,
                             const int rows, const int cols,
                             const int seed, const int threshold, const float scale) {
    const int c = get_global_id(0), r = get_global_id(1);
    if (c >= cols || r >= rows) return;
    const uint index = (uint)((size_t)r * (size_t)cols + (size_t)c);
    const bool keep = dropout_hash(as_uint(seed), index) >= as_uint(threshold);
    const float x = src[VIEW_AT(s_off, s_ld, r, c)];
    dst[VIEW_AT(d_off, d_ld, r, c)] = keep ? x * scale : 0.0f;
}

// A row's sequence is running at `time` (or there are no lengths).
static inline int zoneout_runs(__global const int* lengths, const int has_lengths, const int b, const int time) {
    return !has_lengths || time < lengths[b];
}

__kernel void zoneout_rows(__global const float* prev, const int p_off, const int p_ld,
                           __global float* next, const int n_off, const int n_ld,
                           __global float* out, const int o_off, const int o_ld, const int has_out,
                           const int batch, const int cols, const float probability, const int seed, const int threshold,
                           const int training, __global const int* lengths, const int has_lengths, const int time) {
    const int j = get_global_id(0), b = get_global_id(1);
    if (j >= cols || b >= batch || !zoneout_runs(lengths, has_lengths, b, time)) return;
    const uint index = (uint)(((size_t)time * (size_t)batch + (size_t)b) * (size_t)cols + (size_t)j);
    const float before = prev[VIEW_AT(p_off, p_ld, b, j)], fresh = next[VIEW_AT(n_off, n_ld, b, j)];
    const float value = training
        ? (dropout_hash(as_uint(seed), index) < as_uint(threshold) ? before : fresh)
        : probability * before + (1.0f - probability) * fresh;
    next[VIEW_AT(n_off, n_ld, b, j)] = value;
    if (has_out) out[VIEW_AT(o_off, o_ld, b, j)] = value;
}

__kernel void zoneout_backward_rows(__global float* grad, const int g_off, const int g_ld,
                                    __global const float* out_grad, const int o_off, const int o_ld, const int has_out,
                                    __global float* carry, const int c_off, const int c_ld,
                                    const int batch, const int cols, const int seed, const int threshold,
                                    __global const int* lengths, const int has_lengths, const int time) {
    const int j = get_global_id(0), b = get_global_id(1);
    if (j >= cols || b >= batch) return;
    if (!zoneout_runs(lengths, has_lengths, b, time)) {
        carry[VIEW_AT(c_off, c_ld, b, j)] = 0.0f;
        return;
    }
    const uint index = (uint)(((size_t)time * (size_t)batch + (size_t)b) * (size_t)cols + (size_t)j);
    const float g = grad[VIEW_AT(g_off, g_ld, b, j)] + (has_out ? out_grad[VIEW_AT(o_off, o_ld, b, j)] : 0.0f);
    const int holds = dropout_hash(as_uint(seed), index) < as_uint(threshold);
    grad[VIEW_AT(g_off, g_ld, b, j)] = holds ? 0.0f : g;
    carry[VIEW_AT(c_off, c_ld, b, j)] = holds ? g : 0.0f;
}

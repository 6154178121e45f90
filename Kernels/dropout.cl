// Inverted dropout with the mask every backend shares (Recur's `DropoutMask`); the same kernel is
// the forward (on activations) and the backward (on their gradients, with the same seed).
//
// dropout_matrix  src (rows, cols) view; dst (rows, cols) view, written (it may be src itself);
//                 seed: the call's 32-bit seed, passed as an int and read back as its uint bits;
//                 threshold: DropoutMask.threshold(probability) computed on the host, likewise an
//                 int holding uint bits; scale = 1 / (1 - probability) computed on the host.
//                 Range (cols, rows): element i = r * cols + c (mod 2^32) of the view is kept when
//                 hash(seed, i) >= threshold: dst = keep ? src * scale : 0.

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

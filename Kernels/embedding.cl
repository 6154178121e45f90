// Layer kernels: Embedding (gather forward, scatter-add backward) and Linear's bias row.
//
// A view is (pointer, off, ld): element (r, c) at ptr[off + r * ld + c], ld >= cols. Shapes:
//
// gather_rows        table (V, E) view; indices (N) int, each in 0..<V (validated by the caller);
//                    out (N, E) view; rows = N, cols = E.
//                    Range (E, N): work-item (c, r) copies table[indices[r], c] to out[r, c].
// scatter_row_links  indices (N) int; links (2N) int scratch, written: links[r] = the next row
//                    s > r with indices[s] == indices[r], or -1; links[N + r] = 1 when r is the
//                    first row with its index, else 0. Range (N). Each work-item scans only to
//                    the nearest row with its index on either side: N^2 comparisons at worst
//                    (all indices distinct), still far less than one scan of N per (V, E) element.
// scatter_add_rows   src (N, E) view; indices (N) int; links (2N) int from scatter_row_links;
//                    table (V, E) view, updated; rows = N, cols = E.
//                    Range (E, N): work-item (c, r) with r the first row of its index walks the
//                    rows of that index in increasing order, adding src[s, c] to table[v, c]: the
//                    additions happen in row order, exactly as the CPU reference does them, with
//                    no atomics, and every other work-item returns at once.
// add_row_vector     vec (1, N) at v_off, contiguous; m (M, N) view, updated: m[r, :] += vec.
//                    Range (N, M).

#define VIEW_AT(off, ld, r, c) ((size_t)(off) + (size_t)(r) * (size_t)(ld) + (size_t)(c))

// Embedding forward: out[r, :] = table[indices[r], :].
__kernel void gather_rows(__global const float* table, const int t_off, const int t_ld,
                          __global const int* indices,
                          __global float* out, const int o_off, const int o_ld,
                          const int rows, const int cols) {
    const int c = get_global_id(0), r = get_global_id(1);
    if (c >= cols || r >= rows) return;
    out[VIEW_AT(o_off, o_ld, r, c)] = table[VIEW_AT(t_off, t_ld, indices[r], c)];
}

// Embedding backward, pass 1: chain the rows that share an index (once per call, not per column).
__kernel void scatter_row_links(__global const int* indices, const int rows, __global int* links) {
    const int r = get_global_id(0);
    if (r >= rows) return;
    const int v = indices[r];
    int next = -1;
    for (int s = r + 1; s < rows; ++s) {
        if (indices[s] == v) { next = s; break; }
    }
    int first = 1;
    for (int s = r - 1; s >= 0; --s) {
        if (indices[s] == v) { first = 0; break; }
    }
    links[r] = next;
    links[rows + r] = first;
}

// Embedding backward, pass 2: table[indices[r], :] += src[r, :] in row order (repeats add up).
__kernel void scatter_add_rows(__global const float* src, const int s_off, const int s_ld,
                               __global const int* indices, __global const int* links,
                               __global float* table, const int t_off, const int t_ld,
                               const int rows, const int cols) {
    const int c = get_global_id(0), r = get_global_id(1);
    if (c >= cols || r >= rows || !links[rows + r]) return;
    const size_t at = VIEW_AT(t_off, t_ld, indices[r], c);
    float sum = table[at];
    for (int s = r; s >= 0; s = links[s]) sum += src[VIEW_AT(s_off, s_ld, s, c)];
    table[at] = sum;
}

// Linear forward's bias: m[r, c] += vec[c].
__kernel void add_row_vector(__global const float* vec, const int v_off,
                             __global float* m, const int m_off, const int m_ld,
                             const int rows, const int cols) {
    const int c = get_global_id(0), r = get_global_id(1);
    if (c >= cols || r >= rows) return;
    m[VIEW_AT(m_off, m_ld, r, c)] += vec[v_off + c];
}

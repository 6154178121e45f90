// Gradient norms, clipping and optimizer updates (PyTorch's rules; see Recur's `OptimizerStep`).
// Nothing here needs the host: the norm stays on the device from its reduction to the clipping.
//
// sum_of_squares_partial
//   x (rows, cols) view; partials (G) floats of scratch, written: partials[g] = the sum of squares
//   of the elements work-group g visited; scratch: local memory of one float per work-item.
//   Range (L * G) with local (L), L a power of two: the work-items stride over the view's
//   rows * cols elements in row-major order.
// sum_of_squares_final
//   partials (count) floats from sum_of_squares_partial; dst (1, 1) at dst_off, written:
//   dst = (accumulate ? dst : 0) + sum of partials; scratch: one float per work-item.
//   Range (L) with local (L), L a power of two: a single work-group.
// scale_by_clip_factor
//   x (rows, cols) view, updated; sq (1, 1) at sq_off: the squared norm; max_norm.
//   Range (cols, rows): x *= max_norm / (sqrt(sq) + 1e-6) when that factor is below 1 (and not
//   NaN); otherwise x is left alone.
// sgd_update
//   p (rows, cols) view, updated; g (rows, cols) view; m (rows, cols) view, the momentum buffer,
//   updated when has_momentum (otherwise not touched: the host passes a stand-in);
//   first_step: 1 on the first update (the buffer starts as d); lr, wd, momentum, dampening;
//   nesterov 0 or 1. Range (cols, rows).
// adam_update
//   p (rows, cols) view, updated; g (rows, cols) view; m, v (rows, cols) views, the moments,
//   updated; lr, wd, beta1, beta2, epsilon; step_size = lr / (1 - beta1^t) and
//   correction2 = sqrt(1 - beta2^t), both computed on the host; decoupled 1 for AdamW.
//   Range (cols, rows).
// clamp_elements
//   x (rows, cols) view, updated: x = clamp(x, -limit, limit), NaN left as it is (clip_grad_value_).
//   Range (cols, rows).
// rmsprop_update
//   p (rows, cols) view, updated; g (rows, cols) view; v (rows, cols) view, the average of squares,
//   updated; b, a (rows, cols) views, the momentum buffer and the average of gradients, updated
//   when has_momentum / centered (otherwise not touched: the host passes a stand-in);
//   lr, wd, alpha, epsilon, momentum. Range (cols, rows).
// adagrad_update
//   p (rows, cols) view, updated; g (rows, cols) view; q (rows, cols) view, the sum of squares,
//   updated; rate = lr / (1 + (t - 1) * lr_decay), computed on the host; wd, epsilon.
//   Range (cols, rows).

#define VIEW_AT(off, ld, r, c) ((size_t)(off) + (size_t)(r) * (size_t)(ld) + (size_t)(c))

#include "group_sum.cl"

__kernel void sum_of_squares_partial(__global const float* x, const int off, const int ld,
                                     const int rows, const int cols,
                                     __global float* partials, __local float* scratch) {
    const size_t total = (size_t)rows * (size_t)cols;
    const size_t stride = get_global_size(0);
    float sum = 0.0f;
    for (size_t i = get_global_id(0); i < total; i += stride) {
        const float value = x[VIEW_AT(off, ld, i / (size_t)cols, i % (size_t)cols)];
        sum += value * value;
    }
    sum = group_sum(scratch, sum);
    if (get_local_id(0) == 0) partials[get_group_id(0)] = sum;
}

__kernel void sum_of_squares_final(__global const float* partials, const int count,
                                   __global float* dst, const int dst_off, const int accumulate,
                                   __local float* scratch) {
    const int lid = get_local_id(0), size = get_local_size(0);
    float sum = 0.0f;
    for (int i = lid; i < count; i += size) sum += partials[i];
    sum = group_sum(scratch, sum);
    if (lid == 0) dst[dst_off] = (accumulate ? dst[dst_off] : 0.0f) + sum;
}

__kernel void scale_by_clip_factor(__global float* x, const int off, const int ld,
                                   const int rows, const int cols,
                                   __global const float* sq, const int sq_off, const float max_norm) {
    const int c = get_global_id(0), r = get_global_id(1);
    if (c >= cols || r >= rows) return;
    const float factor = max_norm / (sqrt(sq[sq_off]) + 1e-6f);
    if (!(factor < 1.0f)) return;
    x[VIEW_AT(off, ld, r, c)] *= factor;
}

__kernel void sgd_update(__global float* p, const int p_off, const int p_ld,
                         __global const float* g, const int g_off, const int g_ld,
                         __global float* m, const int m_off, const int m_ld,
                         const int has_momentum, const int first_step,
                         const int rows, const int cols,
                         const float lr, const float wd, const float momentum, const float dampening,
                         const int nesterov) {
    const int c = get_global_id(0), r = get_global_id(1);
    if (c >= cols || r >= rows) return;
    const size_t pi = VIEW_AT(p_off, p_ld, r, c);
    const float param = p[pi];
    float d = g[VIEW_AT(g_off, g_ld, r, c)] + wd * param;
    if (has_momentum) {
        const size_t mi = VIEW_AT(m_off, m_ld, r, c);
        const float buf = first_step ? d : momentum * m[mi] + (1.0f - dampening) * d;
        m[mi] = buf;
        d = nesterov ? d + momentum * buf : buf;
    }
    p[pi] = param - lr * d;
}

__kernel void adam_update(__global float* p, const int p_off, const int p_ld,
                          __global const float* g, const int g_off, const int g_ld,
                          __global float* m, const int m_off, const int m_ld,
                          __global float* v, const int v_off, const int v_ld,
                          const int rows, const int cols,
                          const float lr, const float wd, const float beta1, const float beta2,
                          const float epsilon, const float step_size, const float correction2,
                          const int decoupled) {
    const int c = get_global_id(0), r = get_global_id(1);
    if (c >= cols || r >= rows) return;
    const size_t pi = VIEW_AT(p_off, p_ld, r, c), mi = VIEW_AT(m_off, m_ld, r, c), vi = VIEW_AT(v_off, v_ld, r, c);
    float param = p[pi];
    float grad = g[VIEW_AT(g_off, g_ld, r, c)];
    if (decoupled) param *= 1.0f - lr * wd; else grad += wd * param;
    const float m1 = beta1 * m[mi] + (1.0f - beta1) * grad;
    const float v1 = beta2 * v[vi] + (1.0f - beta2) * grad * grad;
    m[mi] = m1;
    v[vi] = v1;
    p[pi] = param - step_size * m1 / (sqrt(v1) / correction2 + epsilon);
}

__kernel void clamp_elements(__global float* x, const int off, const int ld, const int rows, const int cols,
                             const float limit) {
    const int c = get_global_id(0), r = get_global_id(1);
    if (c >= cols || r >= rows) return;
    const size_t at = VIEW_AT(off, ld, r, c);
    const float value = x[at];
    // Comparisons, which are false for NaN, so that NaN stays NaN (fmin/fmax would drop it).
    x[at] = value < -limit ? -limit : (value > limit ? limit : value);
}

__kernel void rmsprop_update(__global float* p, const int p_off, const int p_ld,
                             __global const float* g, const int g_off, const int g_ld,
                             __global float* v, const int v_off, const int v_ld,
                             __global float* b, const int b_off, const int b_ld,
                             __global float* a, const int a_off, const int a_ld,
                             const int has_momentum, const int centered,
                             const int rows, const int cols,
                             const float lr, const float wd, const float alpha, const float epsilon,
                             const float momentum) {
    const int c = get_global_id(0), r = get_global_id(1);
    if (c >= cols || r >= rows) return;
    const size_t pi = VIEW_AT(p_off, p_ld, r, c), vi = VIEW_AT(v_off, v_ld, r, c);
    const float param = p[pi];
    const float grad = g[VIEW_AT(g_off, g_ld, r, c)] + wd * param;
    const float square = alpha * v[vi] + (1.0f - alpha) * grad * grad;
    v[vi] = square;
    float variance = square;
    if (centered) {
        const size_t ai = VIEW_AT(a_off, a_ld, r, c);
        const float average = alpha * a[ai] + (1.0f - alpha) * grad;
        a[ai] = average;
        variance = square - average * average;
    }
    const float step = grad / (sqrt(variance) + epsilon);
    if (has_momentum) {
        const size_t bi = VIEW_AT(b_off, b_ld, r, c);
        const float buffer = momentum * b[bi] + step;
        b[bi] = buffer;
        p[pi] = param - lr * buffer;
    } else {
        p[pi] = param - lr * step;
    }
}

__kernel void adagrad_update(__global float* p, const int p_off, const int p_ld,
                             __global const float* g, const int g_off, const int g_ld,
                             __global float* q, const int q_off, const int q_ld,
                             const int rows, const int cols,
                             const float rate, const float wd, const float epsilon) {
    const int c = get_global_id(0), r = get_global_id(1);
    if (c >= cols || r >= rows) return;
    const size_t pi = VIEW_AT(p_off, p_ld, r, c), qi = VIEW_AT(q_off, q_ld, r, c);
    const float param = p[pi];
    const float grad = g[VIEW_AT(g_off, g_ld, r, c)] + wd * param;
    const float sum = q[qi] + grad * grad;
    q[qi] = sum;
    p[pi] = param - rate * grad / (sqrt(sum) + epsilon);
}

// The units a work-item handles at once, for the cells' math (rnn_cell.cl, lstm_cell.cl,
// gru_cell.cl): unit_t holds RECUR_UNIT_WIDTH consecutive hidden units of one batch row, which the
// kernel file defines before it includes a cell: 1 (float: the per-step LSTM and GRU kernels and
// the fused ones, which POCL vectorises across work-items), 8 (float8: the per-step Elman kernels)
// or RECUR_WIDE_UNITS (the whole-sequence kernels). It defines no kernel.
//
// Which width each per-step kernel uses was measured on POCL (AMD EPYC, device time per launch,
// old and new binaries alternated): eight units a work-item made the Elman steps 35-45% faster
// (forward 83-93 -> 49-56 us, backward 35-43 -> 25-30 us on rnn-tanh-medium), but the LSTM and GRU
// backward steps 15-25% slower and their forward steps only 0-20% faster, so those stay at one.

#ifndef RECUR_UNIT_WIDTH
#error "define RECUR_UNIT_WIDTH (1, 8 or 16) before including units.cl or a cell"
#endif

// unit_load, unit_store: n units at p (n <= RECUR_UNIT_WIDTH; a row's last chunk may be partial:
// missing lanes load as 0 and are not stored).
#if RECUR_UNIT_WIDTH == 1
typedef float unit_t;
static inline unit_t unit_load(__global const float* p, int n) { return p[0]; }
static inline void unit_store(unit_t v, __global float* p, int n) { p[0] = v; }
#else
#if RECUR_UNIT_WIDTH == 8
typedef float8 unit_t;
#define RECUR_UNIT_VLOAD vload8
#define RECUR_UNIT_VSTORE vstore8
#elif RECUR_UNIT_WIDTH == 16
typedef float16 unit_t;
#define RECUR_UNIT_VLOAD vload16
#define RECUR_UNIT_VSTORE vstore16
#else
#error "RECUR_UNIT_WIDTH must be 1, 8 or 16"
#endif
static inline unit_t unit_load(__global const float* p, int n) {
    if (n >= RECUR_UNIT_WIDTH) return RECUR_UNIT_VLOAD(0, p);
    float lanes[RECUR_UNIT_WIDTH];
    for (int k = 0; k < RECUR_UNIT_WIDTH; ++k) lanes[k] = k < n ? p[k] : 0.0f;
    return RECUR_UNIT_VLOAD(0, lanes);
}
static inline void unit_store(unit_t v, __global float* p, int n) {
    if (n >= RECUR_UNIT_WIDTH) {
        RECUR_UNIT_VSTORE(v, 0, p);
        return;
    }
    float lanes[RECUR_UNIT_WIDTH];
    RECUR_UNIT_VSTORE(v, 0, lanes);
    for (int k = 0; k < n; ++k) p[k] = lanes[k];
}
#endif

// Activations, and their derivatives from the activation's OUTPUT y, which is what a forward pass
// saves for the backward: d sigmoid(x)/dx = y (1 - y), d tanh(x)/dx = 1 - y^2.
// sigmoid: 1 / (1 + e^-x). Saturates cleanly: e^-x overflows to +inf for x < -88, giving exactly 0.
// tanh: 1 - 2 / (e^{2x} + 1): one exp, and exact limits (+inf gives 1, 0 gives -1) instead of
// the inf/inf of (e^{2x} - 1) / (e^{2x} + 1). Near 0 the subtraction cancels, so the error is
// absolute (about 1e-7), not relative; the recurrences only ever add tanh to O(1) quantities.
static inline unit_t unit_sigmoid(unit_t x) { return 1.0f / (1.0f + exp(-x)); }
static inline unit_t unit_tanh(unit_t x) { return 1.0f - 2.0f / (exp(2.0f * x) + 1.0f); }
static inline unit_t unit_dsigmoid(unit_t y) { return y * (1.0f - y); }
static inline unit_t unit_dtanh(unit_t y) { return 1.0f - y * y; }

// Rows past their sequence's end (the kernels test time >= lengths[b]), forward, for every cell:
// h_t (and the LSTM's c_t, which the kernel copies) carry h_{t-1} (c_{t-1}), and the output is 0.
// The backward's counterpart is each cell's *_unit_backward_past_end.
static inline void unit_forward_past_end(unit_t hOld, __global float* h, __global float* out, int n) {
    unit_store(hOld, h, n);
    unit_store((unit_t)(0.0f), out, n);
}

// Zero gate gradients: `gates` blocks of `hidden` at g.
static inline void unit_gates_zero(__global float* g, int gates, int hidden, int n) {
    for (int k = 0; k < gates; ++k) unit_store((unit_t)(0.0f), g + k * hidden, n);
}

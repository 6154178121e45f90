// The device's single-precision FMA peak, measured as clpeak's compute_sp_v* kernels measure it:
// nothing but fused multiply-adds, so no kernel on the same device can do more flops per second.
// It is the denominator of rnn-bench's "% of peak" for the OpenCL backend (`DevicePeak`).
//
// RECUR_PEAK_WIDTH (1, 2, 4, 8 or 16) is the vector width of each accumulator: scalar GPUs reach
// their peak at width 1, CPU devices need a width that fills their vector registers unless the
// compiler vectorises across work-items (POCL and Intel's CPU runtime do, sometimes), so the host
// tries them all and keeps the best.
//
// RECUR_PEAK_FUSED picks the operation, and the host tries both: fma() must round once even where
// the device has no such instruction (rusticl's llvmpipe ran it at 0.3 GFLOP/s against 36.5 for
// mad() on a 2-core Zen 5), and mad() may be compiled as a multiply and a separate add (POCL 3.1
// there: 60 GFLOP/s with mad(), 222 with fma(), against 132 for its own GEMM).
//
// Each work-item runs RECUR_PEAK_ACCUMULATORS independent chains: x = mad(x, a, b) on every
// accumulator, `iterations` times. Independent chains hide the FMA latency (4 cycles on current
// CPUs and GPUs, with 2 FMA pipes per core on CPUs: 8 chains in flight); `a` and `b` are
// arguments, so the compiler cannot fold the chain, and the result is written, so it cannot drop
// it. Flops per work-item: iterations * RECUR_PEAK_ACCUMULATORS * RECUR_PEAK_WIDTH * 2 (an FMA
// is a multiply and an add on each lane).
//
// Every lane of every accumulator starts at a different value, g + j for its index j (0 ..<
// accumulators * width) and the work-item's global id g: chains that started equal would run the
// same operations, and the compiler would merge them (identical lanes into one scalar, identical
// accumulators into one).
//
// out: one float per work-item, (global size), the sum of its accumulators' lanes. With a = 1 and
// b = 1 (the tests' launch) each lane ends at g + j + iterations exactly (while below 2^24), so
// with L = accumulators * width lanes, out[g] = L * (g + iterations) + L * (L - 1) / 2.
// Timed launches use a just below 1 and b small, so the chains settle near b / (1 - a) = 1 and
// never overflow or reach denormals.

#ifndef RECUR_PEAK_WIDTH
#define RECUR_PEAK_WIDTH 4
#endif

#define RECUR_PEAK_ACCUMULATORS 8

#if RECUR_PEAK_FUSED
#define PEAK_MULTIPLY_ADD(x, a, b) fma(x, a, b)
#else
#define PEAK_MULTIPLY_ADD(x, a, b) mad(x, a, b)
#endif

// peak_t and its lane indices 0 ..< width.
#if RECUR_PEAK_WIDTH == 1
typedef float peak_t;
#define PEAK_LANES 0.0f
#elif RECUR_PEAK_WIDTH == 2
typedef float2 peak_t;
#define PEAK_LANES (float2)(0.0f, 1.0f)
#elif RECUR_PEAK_WIDTH == 4
typedef float4 peak_t;
#define PEAK_LANES (float4)(0.0f, 1.0f, 2.0f, 3.0f)
#elif RECUR_PEAK_WIDTH == 8
typedef float8 peak_t;
#define PEAK_LANES (float8)(0.0f, 1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f, 7.0f)
#elif RECUR_PEAK_WIDTH == 16
typedef float16 peak_t;
#define PEAK_LANES (float16)(0.0f, 1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f, 7.0f, \
                             8.0f, 9.0f, 10.0f, 11.0f, 12.0f, 13.0f, 14.0f, 15.0f)
#else
#error "RECUR_PEAK_WIDTH must be 1, 2, 4, 8 or 16"
#endif

// The sum of a vector's lanes, halving it until one lane is left.
static float peak_lane_sum(const peak_t v) {
#if RECUR_PEAK_WIDTH == 1
    return v;
#else
#if RECUR_PEAK_WIDTH == 16
    const float8 v8 = v.lo + v.hi;
#elif RECUR_PEAK_WIDTH == 8
    const float8 v8 = v;
#endif
#if RECUR_PEAK_WIDTH >= 8
    const float4 v4 = v8.lo + v8.hi;
#elif RECUR_PEAK_WIDTH == 4
    const float4 v4 = v;
#endif
#if RECUR_PEAK_WIDTH >= 4
    const float2 v2 = v4.lo + v4.hi;
#else
    const float2 v2 = v;
#endif
    return v2.x + v2.y;
#endif
}

__kernel void fma_peak(__global float* out, const float a, const float b, const int iterations) {
    const size_t g = get_global_id(0);
    const peak_t va = (peak_t)(a), vb = (peak_t)(b);
    // Accumulator k's lane l starts at g + k * width + l.
    const peak_t start = (peak_t)((float)g) + PEAK_LANES;
    const float w = (float)RECUR_PEAK_WIDTH;
    peak_t x0 = start, x1 = start + w, x2 = start + 2 * w, x3 = start + 3 * w;
    peak_t x4 = start + 4 * w, x5 = start + 5 * w, x6 = start + 6 * w, x7 = start + 7 * w;
    for (int i = 0; i < iterations; ++i) {
        x0 = PEAK_MULTIPLY_ADD(x0, va, vb); x1 = PEAK_MULTIPLY_ADD(x1, va, vb); x2 = PEAK_MULTIPLY_ADD(x2, va, vb); x3 = PEAK_MULTIPLY_ADD(x3, va, vb);
        x4 = PEAK_MULTIPLY_ADD(x4, va, vb); x5 = PEAK_MULTIPLY_ADD(x5, va, vb); x6 = PEAK_MULTIPLY_ADD(x6, va, vb); x7 = PEAK_MULTIPLY_ADD(x7, va, vb);
    }
    out[g] = peak_lane_sum(((x0 + x1) + (x2 + x3)) + ((x4 + x5) + (x6 + x7)));
}

// Shared device math, prepended to every other file's program (the host builds each program from
// common.cl + the kernel file, CLBlast-style). It defines no kernel.
//
// Derivatives take the activation's OUTPUT, which is what a forward pass saves for the backward:
// d sigmoid(x)/dx = y (1 - y) and d tanh(x)/dx = 1 - y^2 with y the output.

// exp or native_exp. OpenCL 1.2 bounds exp to 3 ulp on every device; native_exp has no bound in
// the specification (it is a few ulp on current GPUs, but a vendor may trade more accuracy away).
// exp is the default so every device agrees with the CPU reference; a device where native_exp is
// measured to be both faster and accurate enough opts in with -D RECUR_NATIVE_EXP=1.
#ifndef RECUR_NATIVE_EXP
#define RECUR_NATIVE_EXP 0
#endif
#if RECUR_NATIVE_EXP
#define RECUR_EXP native_exp
#else
#define RECUR_EXP exp
#endif

// 1 / (1 + e^-x). Saturates cleanly: e^-x overflows to +inf for x < -88, giving exactly 0.
static inline float sigmoid_f(float x) { return 1.0f / (1.0f + RECUR_EXP(-x)); }
static inline float8 sigmoid_f8(float8 x) { return 1.0f / (1.0f + RECUR_EXP(-x)); }

// tanh(x) = 1 - 2 / (e^{2x} + 1): one exp, and exact limits (+inf gives 1, 0 gives -1) instead of
// the inf/inf of (e^{2x} - 1) / (e^{2x} + 1). Near 0 the subtraction cancels, so the error is
// absolute (about 1e-7), not relative; the recurrences only ever add tanh to O(1) quantities.
static inline float tanh_f(float x) { return 1.0f - 2.0f / (RECUR_EXP(2.0f * x) + 1.0f); }
static inline float8 tanh_f8(float8 x) { return 1.0f - 2.0f / (RECUR_EXP(2.0f * x) + 1.0f); }

// Derivatives from outputs: y = sigmoid(x) or y = tanh(x).
static inline float dsigmoid(float y) { return y * (1.0f - y); }
static inline float8 dsigmoid8(float8 y) { return y * (1.0f - y); }
static inline float dtanh(float y) { return 1.0f - y * y; }
static inline float8 dtanh8(float8 y) { return 1.0f - y * y; }

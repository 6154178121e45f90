/// Raw SIMD loads and stores for the GEMM hot loops.
///
/// `@_transparent` rather than `@inline(__always)`: the latter was sometimes not honoured for SIMD
/// helpers inside the big kernels, and an out-of-line call there costs the accumulators their
/// registers. Unaligned forms everywhere: on AVX2 they cost nothing on aligned data, and they let
/// the compiler fold a load straight into `vfmadd`.

typealias F8 = SIMD8<Float>

@_transparent
func load8(_ p: UnsafePointer<Float>) -> F8 {
    UnsafeRawPointer(p).loadUnaligned(as: F8.self)
}

@_transparent
func load8(_ p: UnsafeMutablePointer<Float>) -> F8 {
    UnsafeRawPointer(p).loadUnaligned(as: F8.self)
}

@_transparent
func store8(_ v: F8, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: F8.self)
}

/// `v & keep` with `keep` all ones: the value unchanged, but the optimizer cannot look through it.
/// Used after the first stage of `transpose8x8`: without it LLVM folds the three shuffle stages
/// into one 8-source gather per output vector, which x86 lowers to a scalar load and a blend per
/// element; with it the first stage stays 8 unpacks and the rest ~5 shuffles per output. Packing
/// a transposed operand got ~30% faster (0.13 -> 0.09 ns per element in L2). A barrier after the
/// second stage as well did not help: the backend then moves the AND around the shuffles.
@_transparent
func opaque(_ v: F8, _ keep: SIMD8<UInt32>) -> F8 {
    unsafeBitCast(unsafeBitCast(v, to: SIMD8<UInt32>.self) & keep, to: F8.self)
}

/// Transposes the 8x8 block held in eight row vectors in place: afterwards r_j holds column j.
/// The lane picks below are the usual unpack / shuffle / 128-bit permute ladder; each becomes one
/// AVX shuffle (in intent; see `opaque`). `keep` must be all ones and unknown to the optimizer.
@_transparent
func transpose8x8(
    _ r0: inout F8, _ r1: inout F8, _ r2: inout F8, _ r3: inout F8,
    _ r4: inout F8, _ r5: inout F8, _ r6: inout F8, _ r7: inout F8, keep: SIMD8<UInt32>
) {
    // Interleave pairs of rows within each 128-bit half.
    var t0 = F8(r0[0], r1[0], r0[1], r1[1], r0[4], r1[4], r0[5], r1[5])
    var t1 = F8(r0[2], r1[2], r0[3], r1[3], r0[6], r1[6], r0[7], r1[7])
    var t2 = F8(r2[0], r3[0], r2[1], r3[1], r2[4], r3[4], r2[5], r3[5])
    var t3 = F8(r2[2], r3[2], r2[3], r3[3], r2[6], r3[6], r2[7], r3[7])
    var t4 = F8(r4[0], r5[0], r4[1], r5[1], r4[4], r5[4], r4[5], r5[5])
    var t5 = F8(r4[2], r5[2], r4[3], r5[3], r4[6], r5[6], r4[7], r5[7])
    var t6 = F8(r6[0], r7[0], r6[1], r7[1], r6[4], r7[4], r6[5], r7[5])
    var t7 = F8(r6[2], r7[2], r6[3], r7[3], r6[6], r7[6], r6[7], r7[7])
    t0 = opaque(t0, keep); t1 = opaque(t1, keep); t2 = opaque(t2, keep); t3 = opaque(t3, keep)
    t4 = opaque(t4, keep); t5 = opaque(t5, keep); t6 = opaque(t6, keep); t7 = opaque(t7, keep)
    // Gather four rows' worth of one column per 128-bit half.
    let u0 = F8(t0[0], t0[1], t2[0], t2[1], t0[4], t0[5], t2[4], t2[5])  // col 0 | col 4, rows 0-3
    let u1 = F8(t0[2], t0[3], t2[2], t2[3], t0[6], t0[7], t2[6], t2[7])  // col 1 | col 5
    let u2 = F8(t1[0], t1[1], t3[0], t3[1], t1[4], t1[5], t3[4], t3[5])  // col 2 | col 6
    let u3 = F8(t1[2], t1[3], t3[2], t3[3], t1[6], t1[7], t3[6], t3[7])  // col 3 | col 7
    let v0 = F8(t4[0], t4[1], t6[0], t6[1], t4[4], t4[5], t6[4], t6[5])  // rows 4-7
    let v1 = F8(t4[2], t4[3], t6[2], t6[3], t4[6], t4[7], t6[6], t6[7])
    let v2 = F8(t5[0], t5[1], t7[0], t7[1], t5[4], t5[5], t7[4], t7[5])
    let v3 = F8(t5[2], t5[3], t7[2], t7[3], t5[6], t5[7], t7[6], t7[7])
    // Join the low (high) halves: rows 0-3 from u, rows 4-7 from v.
    r0 = F8(u0[0], u0[1], u0[2], u0[3], v0[0], v0[1], v0[2], v0[3])
    r1 = F8(u1[0], u1[1], u1[2], u1[3], v1[0], v1[1], v1[2], v1[3])
    r2 = F8(u2[0], u2[1], u2[2], u2[3], v2[0], v2[1], v2[2], v2[3])
    r3 = F8(u3[0], u3[1], u3[2], u3[3], v3[0], v3[1], v3[2], v3[3])
    r4 = F8(u0[4], u0[5], u0[6], u0[7], v0[4], v0[5], v0[6], v0[7])
    r5 = F8(u1[4], u1[5], u1[6], u1[7], v1[4], v1[5], v1[6], v1[7])
    r6 = F8(u2[4], u2[5], u2[6], u2[7], v2[4], v2[5], v2[6], v2[7])
    r7 = F8(u3[4], u3[5], u3[6], u3[7], v3[4], v3[5], v3[6], v3[7])
}

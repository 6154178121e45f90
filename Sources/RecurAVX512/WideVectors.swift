/// 16-lane loads and stores for the AVX-512 kernels (this module is compiled for skylake-avx512:
/// see Package.swift; nothing here may run before `CPUVectorWidth` has checked the CPU).
///
/// `@_transparent` and unaligned forms for the reasons RecurCPU's SIMDMemory gives: the helpers must
/// never become calls inside a kernel, and an unaligned load folds into `vfmadd`.

typealias F16 = SIMD16<Float>

@_transparent
func load16(_ p: UnsafePointer<Float>) -> F16 {
    UnsafeRawPointer(p).loadUnaligned(as: F16.self)
}

@_transparent
func load16(_ p: UnsafeMutablePointer<Float>) -> F16 {
    UnsafeRawPointer(p).loadUnaligned(as: F16.self)
}

@_transparent
func store16(_ v: F16, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: F16.self)
}

/// row[0..<32] = alpha * (v0, v1)                         (beta == 0: row is not read)
/// row[0..<32] = alpha * (v0, v1) + beta * row[0..<32]    otherwise
@_transparent
func storeRow32(_ v0: F16, _ v1: F16, _ row: UnsafeMutablePointer<Float>, _ alpha: Float, _ beta: Float) {
    if beta == 0 {
        store16(v0 * alpha, row)
        store16(v1 * alpha, row + 16)
    } else {
        store16((v0 * alpha).addingProduct(beta, load16(row)), row)
        store16((v1 * alpha).addingProduct(beta, load16(row + 16)), row + 16)
    }
}

/// row[0..<32] = (v0, v1), or += when accumulating.
@_transparent
func putRow32(_ v0: F16, _ v1: F16, _ row: UnsafeMutablePointer<Float>, _ accumulate: Bool) {
    store16(accumulate ? v0 + load16(row) : v0, row)
    store16(accumulate ? v1 + load16(row + 16) : v1, row + 16)
}

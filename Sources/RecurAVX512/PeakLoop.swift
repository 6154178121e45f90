/// The AVX-512 FMA loop behind RecurCPU's `PeakFLOPs`: 12 independent 16-lane accumulators
/// (FMA latency 4 cycles x 2 ports needs 8 in flight), 384 flops per iteration.
public enum AVX512Peak {
    public static let flopsPerIteration = 12 * 16 * 2

    /// Runs `iterations` of the loop; the result only keeps the loop from being optimised away.
    @inline(never)
    public static func fmaLoop(iterations: Int, seed: Float) -> Float {
        let a = F16(repeating: 0.999_999), b = F16(repeating: 1e-7 * seed)
        var c0 = F16(repeating: seed), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0
        var c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0
        for _ in 0..<iterations {
            c0 = b.addingProduct(c0, a); c1 = b.addingProduct(c1, a); c2 = b.addingProduct(c2, a)
            c3 = b.addingProduct(c3, a); c4 = b.addingProduct(c4, a); c5 = b.addingProduct(c5, a)
            c6 = b.addingProduct(c6, a); c7 = b.addingProduct(c7, a); c8 = b.addingProduct(c8, a)
            c9 = b.addingProduct(c9, a); c10 = b.addingProduct(c10, a); c11 = b.addingProduct(c11, a)
        }
        return ((c0 + c1 + c2 + c3) + (c4 + c5 + c6 + c7) + (c8 + c9 + c10 + c11)).sum()
    }
}

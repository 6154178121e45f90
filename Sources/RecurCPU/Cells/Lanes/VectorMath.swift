// Shared source: compiled into RecurCPU (8 lanes) and, through the symlinks in
// Sources/RecurAVX512/Lanes, into RecurAVX512 (16 lanes). Everything here is written against
// `Vector` and its companions (each module's VectorWidth.swift) and must compile in both.

/// Vectorised activations for the cell steps, a vector (`Vector`: 8 or 16 lanes) at a time.
///
/// Scalar `expf`/`tanhf` made the fused LSTM step over 64x512 take ~3 ms on this machine; these take
/// it to well under 0.1 ms. Accuracy: a few float ulps over the whole range (exp: Cody-Waite range
/// reduction and a degree-6 polynomial; tanh: an odd polynomial below 0.625 (a least-squares fit
/// of (tanh(x)/x - 1)/x^2, degree 5 in x^2, made for this file), where 1 - 2/(e^2x + 1)
/// would cancel, and that formula above it).
enum VectorMath {
    /// e^x, with x clamped to the range where the result is a finite normal float.
    @_transparent  // @inline(__always) was not honoured for these (the SIMD8 math became calls)
    static func exp(_ x: Vector) -> Vector {
        // Clamped with lane masks: `clamped(lowerBound:upperBound:)` calls the generic pointwiseMin and
        // pointwiseMax, not inlined here (6% of an lstm-small step).
        let low = Vector(repeating: -87.3), high = Vector(repeating: 88.3)
        let x = x.replacing(with: low, where: x .< low).replacing(with: high, where: x .> high)
        // x = n ln2 + r, |r| <= ln2/2; ln2 split in two so that n*ln2 is exact in float.
        let n = (x * 1.442_695_04 + 0.5).rounded(.down)
        var r = x - n * 0.693_359_375
        r = r + n * 2.121_944_4e-4
        var p = horner(r, 1.987_569_15e-4, 1.398_199_95e-3)
        p = horner(p, r, 8.333_451_9e-3)
        p = horner(p, r, 4.166_579_59e-2)
        p = horner(p, r, 1.666_666_55e-1)
        p = horner(p, r, 5.000_000_12e-1)
        p = horner(p, r * r, 0).addingProduct(r, 1) + 1
        // 2^n by building the exponent bits. n is integral and small: adding 1.5 * 2^23 puts it in
        // the low mantissa bits, a vector integer conversion without the generic per-lane one
        // (`SIMD8<Int32>(n, rounding:)` compiles to scalar code).
        let integer = unsafeBitCast(n + 12_582_912, to: VectorInt32.self) &- 0x4B40_0000
        let bits = (integer &+ 127) &<< 23
        return p * unsafeBitCast(bits, to: Vector.self)
    }

    /// p * x + c as one fused multiply-add per lane.
    @inline(__always)
    static func horner(_ p: Vector, _ x: Vector, _ c: Float) -> Vector {
        Vector(repeating: c).addingProduct(p, x)
    }

    @inline(__always)
    static func horner(_ x: Vector, _ p: Float, _ c: Float) -> Vector {
        Vector(repeating: c).addingProduct(Vector(repeating: p), x)
    }

    @_transparent  // @inline(__always) was not honoured for these (the SIMD8 math became calls)
    static func sigmoid(_ x: Vector) -> Vector {
        1 / (1 + exp(-x))
    }

    @_transparent  // @inline(__always) was not honoured for these (the SIMD8 math became calls)
    static func tanh(_ x: Vector) -> Vector {
        let magnitude = abs(x)
        // Large |x|: 1 - 2/(e^{2|x|} + 1), sign restored below.
        let large = 1 - 2 / (exp(2 * magnitude) + 1)
        // Small |x|: x + x^3 P(x^2).
        let x2 = x * x
        var p = horner(x2, 2.084_138_2e-3, -8.143_617e-3)
        p = horner(p, x2, 2.170_314_2e-2)
        p = horner(p, x2, -5.395_081_3e-2)
        p = horner(p, x2, 1.333_326_94e-1)
        p = horner(p, x2, -3.333_333_33e-1)
        let small = x.addingProduct(x * x2, p)
        let signed = large.replacing(with: -large, where: x .< 0)
        return signed.replacing(with: small, where: magnitude .< 0.625)
    }

    @inline(__always)
    static func abs(_ x: Vector) -> Vector {
        unsafeBitCast(unsafeBitCast(x, to: VectorUInt32.self) & 0x7FFF_FFFF, to: Vector.self)
    }
}

/// Loads and stores of up to one vector of consecutive floats: full vectors in the body of a row, a partial
/// one (zero-padded) at its end, so rows of any width need no scalar copy of the math.
struct Lanes {
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, _ count: Int) -> Vector {
        if count >= Vector.scalarCount { return UnsafeRawPointer(p).loadUnaligned(as: Vector.self) }
        var v = Vector()
        for k in 0..<count { v[k] = p[k] }
        return v
    }

    @inline(__always)
    static func load(_ p: UnsafeMutablePointer<Float>, _ count: Int) -> Vector {
        load(UnsafePointer(p), count)
    }

    @inline(__always)
    static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>, _ count: Int) {
        if count >= Vector.scalarCount {
            UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
            return
        }
        for k in 0..<count { p[k] = v[k] }
    }
}

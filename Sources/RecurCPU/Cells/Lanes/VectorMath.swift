// Shared source: compiled into RecurCPU (8 lanes) and, through the symlinks in
// Sources/RecurAVX512/Lanes, into RecurAVX512 (16 lanes). Everything here is written against
// `Vector` and its companions (each module's VectorWidth.swift) and must compile in both.

/// Vectorised activations for the cell steps, a vector (`Vector`: 8 or 16 lanes) at a time.
///
/// Scalar `expf`/`tanhf` made the fused LSTM step over 64x512 take ~3 ms on this machine; these take
/// it to well under 0.1 ms. Accuracy: a few float ulps over the whole range (exp: Cody-Waite range
/// reduction and a polynomial for e^r - 1; tanh: (e^2|x| - 1) / (e^2|x| + 1) with e^2|x| - 1 taken
/// from the same reduction, which stays accurate near 0, so tanh needs no second, small-|x| formula).
/// Both changes (one formula for tanh, P of degree 4 instead of 5) measured: the 16-lane LSTM
/// forward over 32x128 units 7.9 -> 6.0 us, the Elman (tanh) one 1.51 -> 1.03 us; worst tanh error
/// 1.6e-7 relative (was 1.3e-7), VectorMathTests' bound 3e-7.
enum VectorMath {
    /// e^x, with x clamped to the range where the result is a finite normal float.
    @_transparent  // @inline(__always) was not honoured for these (the SIMD8 math became calls)
    static func exp(_ x: Vector) -> Vector {
        // Clamped with lane masks: `clamped(lowerBound:upperBound:)` calls the generic pointwiseMin and
        // pointwiseMax, not inlined here (6% of an lstm-small step). NaN stays NaN.
        let low = Vector(repeating: -87.3), high = Vector(repeating: 88.3)
        let x = x.replacing(with: low, where: x .< low).replacing(with: high, where: x .> high)
        let (q, scale) = expm1Parts(x)
        return scale.addingProduct(scale, q)
    }

    /// e^x = scale * (1 + q) for x in [-87.3, 88.3] (not checked): scale = 2^n, q = e^r - 1 with
    /// x = n ln2 + r, |r| <= ln2/2. q keeps its relative accuracy as r -> 0, which tanh needs.
    @inline(__always)
    static func expm1Parts(_ x: Vector) -> (q: Vector, scale: Vector) {
        // n = round(x / ln2) by adding 1.5 * 2^23 in the same FMA: the sum's low mantissa bits are n,
        // with no separate rounding or float-to-int conversion (`SIMD8<Int32>(n, rounding:)` compiles
        // to scalar code).
        let shifted = Vector(repeating: 12_582_912).addingProduct(x, 1.442_695_04)
        let n = shifted - 12_582_912
        // ln2 split in two so that n*ln2 is exact in float.
        let r = x.addingProduct(n, -0.693_359_375).addingProduct(n, 2.121_944_4e-4)
        // e^r - 1 = r + r^2 P(r), P of degree 4: a fit (Lawson's iteration toward minimax) of the
        // relative error of r + r^2 P on |r| <= ln2/2: 1.3e-8 (1.7e-8 with the float coefficients).
        // The degree-5 P this replaces was 1 FMA more for an error far below float's.
        var p = horner(r, 1.388_251e-3, 8.366_58e-3)
        p = horner(p, r, 4.166_72e-2)
        p = horner(p, r, 1.666_654_3e-1)
        p = horner(p, r, 4.999_999_7e-1)
        let q = r.addingProduct(r * r, p)
        // 2^n: the low 9 bits of `shifted`'s bits are n (two's complement), so shifting n + 127 into
        // the exponent field drops the rest; n + 127 is in 1...254 for the clamped x.
        let bits = (unsafeBitCast(shifted, to: VectorInt32.self) &+ 127) &<< 23
        return (q, unsafeBitCast(bits, to: Vector.self))
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

    /// tanh(|x|) = (e^{2|x|} - 1) / (e^{2|x|} + 1) with e^{2|x|} - 1 from `expm1Parts` (no
    /// cancellation near 0, so one formula over the whole range), the sign copied from x.
    @_transparent  // @inline(__always) was not honoured for these (the SIMD8 math became calls)
    static func tanh(_ x: Vector) -> Vector {
        let signBit = unsafeBitCast(x, to: VectorUInt32.self) & 0x8000_0000
        // tanh rounds to 1 in float from |x| = 9.01 on; the clamp keeps 2|x| inside exp's range.
        let magnitude = abs(x), limit = Vector(repeating: 10)
        let y = 2 * magnitude.replacing(with: limit, where: magnitude .> limit)
        let (q, scale) = expm1Parts(y)
        // e^y - 1 = scale * q + (scale - 1); exact when n = 0 (scale = 1).
        let em1 = (scale - 1).addingProduct(scale, q)
        let t = em1 / (em1 + 2)
        return unsafeBitCast(unsafeBitCast(t, to: VectorUInt32.self) | signBit, to: Vector.self)
    }

    @inline(__always)
    static func abs(_ x: Vector) -> Vector {
        unsafeBitCast(unsafeBitCast(x, to: VectorUInt32.self) & 0x7FFF_FFFF, to: Vector.self)
    }
}

/// Loads and stores of up to one vector of consecutive floats: full vectors in the body of a row, a partial
/// one (zero-padded) at its end, so rows of any width need no scalar copy of the math.
struct Lanes {
    /// Calls body(j, n) over 0 ..< count a vector at a time: the full vectors first with n the constant
    /// `Vector.scalarCount` (the loads' and stores' checks of n then fold away, leaving straight-line
    /// code), then the partial one. The loop this replaces checked n at every load and store (~25
    /// compare-and-branch per vector of units). Cell microbenchmark, 16 lanes, 32 rows x 128 units:
    /// LSTM forward 5.5 -> 4.7 us, GRU forward 4.0 -> 3.4, GRU backward 1.8 -> 1.4, Elman forward
    /// 1.01 -> 0.82. `@_transparent` here and on the cells' `units`: with `@inline(__always)` the
    /// 512-bit module called `units` out of line once per vector.
    @_transparent
    static func forEach(_ count: Int, _ body: (_ j: Int, _ n: Int) -> Void) {
        var j = 0
        while j + Vector.scalarCount <= count {
            body(j, Vector.scalarCount)
            j += Vector.scalarCount
        }
        if j < count { body(j, count - j) }
    }

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

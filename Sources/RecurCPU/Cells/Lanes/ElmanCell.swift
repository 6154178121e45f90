// Shared source: compiled into RecurCPU (8 lanes) and, through the symlinks in
// Sources/RecurAVX512/Lanes, into RecurAVX512 (16 lanes). Everything here is written against
// `Vector` and its companions (each module's VectorWidth.swift) and must compile in both.

/// The Elman RNN cell, h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), act = tanh or ReLU.
/// Forward and backward side by side, over the units of a block of rows (G = 1; `CellRows` does
/// ranges and masking); a vector of units at a time.
enum ElmanCell {
    /// Writes h_t and the output. Saves nothing: the backward takes the derivative from h_t itself
    /// (tanh' = 1 - h^2, ReLU' = [h > 0]).
    @inline(__always)
    static func forward(_ u: ForwardUnits, relu: Bool) {
        // Units j ..< j+n, n <= one vector.
        @_transparent
        func units(_ j: Int, _ n: Int) {
            var pre = Lanes.load(u.x.base + j, n) + Lanes.load(u.h.base + j, n)
            if let bias = u.bias { pre += Lanes.load(bias.base + j, n) }
            let value = relu ? pre.replacing(with: 0, where: pre .< 0) : VectorMath.tanh(pre)
            Lanes.store(value, u.hNext + j, n)
            Lanes.store(value, u.output + j, n)
        }
        Lanes.forEach(u.count, units)
    }

    /// dGates = dh * act'(h_t), with dh = dhNext + dOutput; dhPrev's direct part is zero.
    @inline(__always)
    static func backward(_ u: BackwardUnits, relu: Bool) {
        // Units j ..< j+n, n <= one vector.
        @_transparent
        func units(_ j: Int, _ n: Int) {
            var dh = Lanes.load(u.dhNext + j, n)
            if let dOut = u.dOutput { dh += Lanes.load(dOut + j, n) }
            let hv = Lanes.load(u.hOut + j, n)
            let dPre = relu ? dh.replacing(with: 0, where: hv .<= 0) : dh * (1 - hv * hv)
            Lanes.store(dPre, u.dGatesX.base + j, n)
            Lanes.store(dPre, u.dGatesH.base + j, n)
            Lanes.store(Vector(), u.dhPrev + j, n)
        }
        Lanes.forEach(u.count, units)
    }
}

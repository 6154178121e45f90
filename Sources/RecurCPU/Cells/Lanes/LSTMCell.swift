// Shared source: compiled into RecurCPU (8 lanes) and, through the symlinks in
// Sources/RecurAVX512/Lanes, into RecurAVX512 (16 lanes). Everything here is written against
// `Vector` and its companions (each module's VectorWidth.swift) and must compile in both.

/// The LSTM cell, PyTorch's equations and gate order (i, f, g, o). Forward and backward side by
/// side, over the units of a block of rows (`CellRows` does ranges and masking); a vector of units
/// at a time.
enum LSTMCell {
    /// i, f, o = sigmoid(pre), g = tanh(pre), c_t = f*c_{t-1} + i*g, h_t = o*tanh(c_t).
    /// Saves (5 gates of the row): i, f, g, o, tanh(c_t).
    @inline(__always)
    static func forward(_ u: ForwardUnits) {
        let cPrev = u.cPrev!, cNext = u.cNext!
        // Units j ..< j+n, n <= one vector.
        @_transparent
        func units(_ j: Int, _ n: Int) {
            // Pre-activation of gate k at units j ..< j+n.
            @inline(__always)
            func pre(_ k: Int) -> Vector {
                let v = Lanes.load(u.x.gate(k) + j, n) + Lanes.load(u.h.gate(k) + j, n)
                guard let bias = u.bias else { return v }
                return v + Lanes.load(bias.gate(k) + j, n)
            }
            let i = VectorMath.sigmoid(pre(0)), f = VectorMath.sigmoid(pre(1))
            let g = VectorMath.tanh(pre(2)), o = VectorMath.sigmoid(pre(3))
            let c = (i * g).addingProduct(f, Lanes.load(cPrev + j, n))
            let tc = VectorMath.tanh(c)
            Lanes.store(c, cNext + j, n)
            Lanes.store(o * tc, u.hNext + j, n)
            Lanes.store(o * tc, u.output + j, n)
            if let saved = u.saved {
                Lanes.store(i, saved.gate(0) + j, n)
                Lanes.store(f, saved.gate(1) + j, n)
                Lanes.store(g, saved.gate(2) + j, n)
                Lanes.store(o, saved.gate(3) + j, n)
                Lanes.store(tc, saved.gate(4) + j, n)
            }
        }
        Lanes.forEach(u.count, units)
    }

    /// With dh = dhNext + dOutput and dc = dcNext + dh*o*(1 - tanh(c)^2):
    /// dpre_i = dc*g*i(1-i), dpre_f = dc*c_{t-1}*f(1-f), dpre_g = dc*i*(1-g^2), dpre_o = dh*tanh(c)*o(1-o);
    /// dc_{t-1} = dc*f; dh_{t-1}'s direct part is zero. dGatesH equals dGatesX (written twice only
    /// when the caller gave two buffers).
    @inline(__always)
    static func backward(_ u: BackwardUnits) {
        let saved = u.saved!, cPrev = u.cPrev!, dcNext = u.dcNext!, dcPrev = u.dcPrev!
        let dg = u.dGatesX, separate = u.dGatesH.base != u.dGatesX.base
        // Units j ..< j+n, n <= one vector.
        @_transparent
        func units(_ j: Int, _ n: Int) {
            let i = Lanes.load(saved.gate(0) + j, n), f = Lanes.load(saved.gate(1) + j, n)
            let g = Lanes.load(saved.gate(2) + j, n), o = Lanes.load(saved.gate(3) + j, n)
            let tc = Lanes.load(saved.gate(4) + j, n)
            var dh = Lanes.load(u.dhNext + j, n)
            if let dOut = u.dOutput { dh += Lanes.load(dOut + j, n) }
            let dc = Lanes.load(dcNext + j, n) + dh * o * (1 - tc * tc)
            let di = dc * g * i * (1 - i), df = dc * Lanes.load(cPrev + j, n) * f * (1 - f)
            let dgg = dc * i * (1 - g * g), dout = dh * tc * o * (1 - o)
            Lanes.store(di, dg.gate(0) + j, n)
            Lanes.store(df, dg.gate(1) + j, n)
            Lanes.store(dgg, dg.gate(2) + j, n)
            Lanes.store(dout, dg.gate(3) + j, n)
            if separate {
                Lanes.store(di, u.dGatesH.gate(0) + j, n)
                Lanes.store(df, u.dGatesH.gate(1) + j, n)
                Lanes.store(dgg, u.dGatesH.gate(2) + j, n)
                Lanes.store(dout, u.dGatesH.gate(3) + j, n)
            }
            Lanes.store(dc * f, dcPrev + j, n)
            Lanes.store(Vector(), u.dhPrev + j, n)
        }
        Lanes.forEach(u.count, units)
    }
}

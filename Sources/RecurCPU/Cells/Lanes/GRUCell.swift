// Shared source: compiled into RecurCPU (8 lanes) and, through the symlinks in
// Sources/RecurAVX512/Lanes, into RecurAVX512 (16 lanes). Everything here is written against
// `Vector` and its companions (each module's VectorWidth.swift) and must compile in both.

/// The GRU cell, PyTorch's equations and gate order (r, z, n), the reset gate applied after the
/// hidden matmul. Forward and backward side by side, over the units of a block of rows (`CellRows`
/// does ranges and masking); a vector of units at a time.
enum GRUCell {
    /// r, z = sigmoid(pre), hn = W_hn h + b_hn, n = tanh(W_in x + b_in + r*hn), h_t = (1-z)*n + z*h_{t-1}.
    /// Saves (4 gates of the row): r, z, n, hn.
    @inline(__always)
    static func forward(_ u: ForwardUnits) {
        // Units j ..< j+n, n <= one vector.
        @_transparent
        func units(_ j: Int, _ n: Int) {
            // Gate k's input and hidden parts; `bias`'s rows are b_ir + b_hr, b_iz + b_hz, b_in, b_hn.
            @inline(__always)
            func load(_ row: GateRow, _ k: Int) -> Vector { Lanes.load(row.gate(k) + j, n) }
            var preR = load(u.x, 0) + load(u.h, 0), preZ = load(u.x, 1) + load(u.h, 1)
            var xn = load(u.x, 2), hn = load(u.h, 2)
            if let bias = u.bias {
                preR += load(bias, 0); preZ += load(bias, 1)
                xn += load(bias, 2); hn += load(bias, 3)
            }
            let r = VectorMath.sigmoid(preR), z = VectorMath.sigmoid(preZ)
            let nv = VectorMath.tanh(xn.addingProduct(r, hn))
            let value = ((1 - z) * nv).addingProduct(z, Lanes.load(u.hPrev + j, n))
            Lanes.store(value, u.hNext + j, n)
            Lanes.store(value, u.output + j, n)
            if let saved = u.saved {
                Lanes.store(r, saved.gate(0) + j, n)
                Lanes.store(z, saved.gate(1) + j, n)
                Lanes.store(nv, saved.gate(2) + j, n)
                Lanes.store(hn, saved.gate(3) + j, n)
            }
        }
        Lanes.forEach(u.count, units)
    }

    /// With dh = dhNext + dOutput: dpre_n = dh*(1-z)*(1-n^2), dpre_z = dh*(h_{t-1}-n)*z(1-z),
    /// dpre_r = dpre_n*hn*r(1-r). dGatesX = (dpre_r, dpre_z, dpre_n); dGatesH = (dpre_r, dpre_z, dpre_n*r);
    /// dh_{t-1}'s direct part is dh*z.
    @inline(__always)
    static func backward(_ u: BackwardUnits) {
        let saved = u.saved!, dgx = u.dGatesX, dgh = u.dGatesH
        // Units j ..< j+n, n <= one vector.
        @_transparent
        func units(_ j: Int, _ n: Int) {
            let r = Lanes.load(saved.gate(0) + j, n), z = Lanes.load(saved.gate(1) + j, n)
            let nv = Lanes.load(saved.gate(2) + j, n), hn = Lanes.load(saved.gate(3) + j, n)
            var dh = Lanes.load(u.dhNext + j, n)
            if let dOut = u.dOutput { dh += Lanes.load(dOut + j, n) }
            let dPreN = dh * (1 - z) * (1 - nv * nv)
            let dPreZ = dh * (Lanes.load(u.hPrev + j, n) - nv) * z * (1 - z)
            let dPreR = dPreN * hn * r * (1 - r)
            Lanes.store(dPreR, dgx.gate(0) + j, n); Lanes.store(dPreZ, dgx.gate(1) + j, n)
            Lanes.store(dPreN, dgx.gate(2) + j, n)
            Lanes.store(dPreR, dgh.gate(0) + j, n); Lanes.store(dPreZ, dgh.gate(1) + j, n)
            Lanes.store(dPreN * r, dgh.gate(2) + j, n)
            Lanes.store(dh * z, u.dhPrev + j, n)
        }
        Lanes.forEach(u.count, units)
    }
}

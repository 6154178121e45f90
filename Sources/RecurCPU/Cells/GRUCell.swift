import Recur

/// The GRU cell, PyTorch's equations and gate order (r, z, n), the reset gate applied after the
/// hidden matmul. Forward and backward side by side. Shapes: B rows, H hidden units; gate block k
/// of a (B, 3H) row is columns k*H ..< (k+1)*H; 8 units a vector.
enum GRUCell {
    /// r, z = sigmoid(pre), hn = W_hn h + b_hn, n = tanh(W_in x + b_in + r*hn), h_t = (1-z)*n + z*h_{t-1}.
    /// Saves (B, 4H): r, z, n, hn.
    static func forward(_ s: CellForwardStep, pool: ThreadPool) {
        let hidden = s.hidden
        let mask = RowMask(s.lengths, time: s.time)
        let biasIH = s.biasIH.row(0), biasHH = s.biasHH.row(0)
        pool.forEachRow(s.batch, width: 3 * hidden) { rows in
            for b in rows {
                let hPrev = s.hPrev.row(b), hNext = s.hNext.row(b), out = s.output.row(b)
                guard mask.isValid(b) else {
                    hNext.update(from: hPrev, count: hidden)
                    out.update(repeating: 0, count: hidden)
                    continue
                }
                let x = s.xProj.row(b), h = s.hProj.row(b), saved = s.saved.row(b)
                for j in stride(from: 0, to: hidden, by: 8) {
                    let n = min(8, hidden - j)
                    // The input and hidden parts of gate k, biases included.
                    func parts(_ k: Int) -> (x: Vector, h: Vector) {
                        let at = k * hidden + j
                        var xv = Lanes.load(x + at, n), hv = Lanes.load(h + at, n)
                        if let biasIH, let biasHH { xv += Lanes.load(biasIH + at, n); hv += Lanes.load(biasHH + at, n) }
                        return (xv, hv)
                    }
                    let pr = parts(0), pz = parts(1), pn = parts(2)
                    let r = VectorMath.sigmoid(pr.x + pr.h), z = VectorMath.sigmoid(pz.x + pz.h)
                    let nv = VectorMath.tanh(pn.x.addingProduct(r, pn.h))
                    let value = ((1 - z) * nv).addingProduct(z, Lanes.load(hPrev + j, n))
                    Lanes.store(value, hNext + j, n)
                    Lanes.store(value, out + j, n)
                    if let saved {
                        Lanes.store(r, saved + j, n)
                        Lanes.store(z, saved + hidden + j, n)
                        Lanes.store(nv, saved + 2 * hidden + j, n)
                        Lanes.store(pn.h, saved + 3 * hidden + j, n)
                    }
                }
            }
        }
    }

    /// With dh = dhNext + dOutput: dpre_n = dh*(1-z)*(1-n^2), dpre_z = dh*(h_{t-1}-n)*z(1-z),
    /// dpre_r = dpre_n*hn*r(1-r). dGatesX = (dpre_r, dpre_z, dpre_n); dGatesH = (dpre_r, dpre_z, dpre_n*r);
    /// dh_{t-1}'s direct part is dh*z.
    static func backward(_ s: CellBackwardStep, pool: ThreadPool) {
        let hidden = s.hidden
        let mask = RowMask(s.lengths, time: s.time)
        pool.forEachRow(s.batch, width: 3 * hidden) { rows in
            for b in rows {
                let dhNext = s.dhNext.row(b), dhPrev = s.dhPrev.row(b)
                let dgx = s.dGatesX.row(b), dgh = s.dGatesH.row(b)
                guard mask.isValid(b) else {
                    dhPrev.update(from: dhNext, count: hidden)
                    dgx.update(repeating: 0, count: 3 * hidden)
                    dgh.update(repeating: 0, count: 3 * hidden)
                    continue
                }
                let saved = s.saved!.row(b), hPrev = s.hPrev.row(b), dOut = s.dOutput.row(b)
                for j in stride(from: 0, to: hidden, by: 8) {
                    let n = min(8, hidden - j)
                    let r = Lanes.load(saved + j, n), z = Lanes.load(saved + hidden + j, n)
                    let nv = Lanes.load(saved + 2 * hidden + j, n), hn = Lanes.load(saved + 3 * hidden + j, n)
                    var dh = Lanes.load(dhNext + j, n)
                    if let dOut { dh += Lanes.load(dOut + j, n) }
                    let dPreN = dh * (1 - z) * (1 - nv * nv)
                    let dPreZ = dh * (Lanes.load(hPrev + j, n) - nv) * z * (1 - z)
                    let dPreR = dPreN * hn * r * (1 - r)
                    Lanes.store(dPreR, dgx + j, n); Lanes.store(dPreZ, dgx + hidden + j, n)
                    Lanes.store(dPreN, dgx + 2 * hidden + j, n)
                    Lanes.store(dPreR, dgh + j, n); Lanes.store(dPreZ, dgh + hidden + j, n)
                    Lanes.store(dPreN * r, dgh + 2 * hidden + j, n)
                    Lanes.store(dh * z, dhPrev + j, n)
                }
            }
        }
    }
}

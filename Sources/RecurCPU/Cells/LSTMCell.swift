import Recur

/// The LSTM cell, PyTorch's equations and gate order (i, f, g, o). Forward and backward side by
/// side. Shapes: B rows, H hidden units; gate block k of a (B, 4H) row is columns k*H ..< (k+1)*H;
/// 8 units a vector.
enum LSTMCell {
    /// i, f, o = sigmoid(pre), g = tanh(pre), c_t = f*c_{t-1} + i*g, h_t = o*tanh(c_t).
    /// Saves (B, 5H): i, f, g, o, tanh(c_t).
    static func forward(_ s: CellForwardStep, pool: ThreadPool) {
        let hidden = s.hidden
        let mask = RowMask(s.lengths, time: s.time)
        let biasIH = s.biasIH.row(0), biasHH = s.biasHH.row(0)
        pool.forEachRow(s.batch, width: 4 * hidden) { rows in
            for b in rows {
                let hPrev = s.hPrev.row(b), hNext = s.hNext.row(b), out = s.output.row(b)
                let cPrev = s.cPrev!.row(b), cNext = s.cNext!.row(b)
                guard mask.isValid(b) else {
                    hNext.update(from: hPrev, count: hidden)
                    cNext.update(from: cPrev, count: hidden)
                    out.update(repeating: 0, count: hidden)
                    continue
                }
                let x = s.xProj.row(b), h = s.hProj.row(b), saved = s.saved.row(b)
                for j in stride(from: 0, to: hidden, by: 8) {
                    let n = min(8, hidden - j)
                    // Pre-activation of gate k at units j ..< j+n.
                    func pre(_ k: Int) -> Vector {
                        let at = k * hidden + j
                        var v = Lanes.load(x + at, n) + Lanes.load(h + at, n)
                        if let biasIH, let biasHH { v += Lanes.load(biasIH + at, n) + Lanes.load(biasHH + at, n) }
                        return v
                    }
                    let i = VectorMath.sigmoid(pre(0)), f = VectorMath.sigmoid(pre(1))
                    let g = VectorMath.tanh(pre(2)), o = VectorMath.sigmoid(pre(3))
                    let c = (i * g).addingProduct(f, Lanes.load(cPrev + j, n))
                    let tc = VectorMath.tanh(c)
                    Lanes.store(c, cNext + j, n)
                    Lanes.store(o * tc, hNext + j, n)
                    Lanes.store(o * tc, out + j, n)
                    if let saved {
                        Lanes.store(i, saved + j, n)
                        Lanes.store(f, saved + hidden + j, n)
                        Lanes.store(g, saved + 2 * hidden + j, n)
                        Lanes.store(o, saved + 3 * hidden + j, n)
                        Lanes.store(tc, saved + 4 * hidden + j, n)
                    }
                }
            }
        }
    }

    /// With dh = dhNext + dOutput and dc = dcNext + dh*o*(1 - tanh(c)^2):
    /// dpre_i = dc*g*i(1-i), dpre_f = dc*c_{t-1}*f(1-f), dpre_g = dc*i*(1-g^2), dpre_o = dh*tanh(c)*o(1-o);
    /// dc_{t-1} = dc*f; dh_{t-1}'s direct part is zero.
    static func backward(_ s: CellBackwardStep, pool: ThreadPool) {
        let hidden = s.hidden
        let mask = RowMask(s.lengths, time: s.time)
        pool.forEachRow(s.batch, width: 4 * hidden) { rows in
            for b in rows {
                let dhNext = s.dhNext.row(b), dhPrev = s.dhPrev.row(b)
                let dcNext = s.dcNext!.row(b), dcPrev = s.dcPrev!.row(b)
                let dg = s.dGatesX.row(b)
                guard mask.isValid(b) else {
                    dhPrev.update(from: dhNext, count: hidden)
                    dcPrev.update(from: dcNext, count: hidden)
                    dg.update(repeating: 0, count: 4 * hidden)
                    continue
                }
                let saved = s.saved!.row(b), cPrev = s.cPrev!.row(b), dOut = s.dOutput.row(b)
                for j in stride(from: 0, to: hidden, by: 8) {
                    let n = min(8, hidden - j)
                    let i = Lanes.load(saved + j, n), f = Lanes.load(saved + hidden + j, n)
                    let g = Lanes.load(saved + 2 * hidden + j, n), o = Lanes.load(saved + 3 * hidden + j, n)
                    let tc = Lanes.load(saved + 4 * hidden + j, n)
                    var dh = Lanes.load(dhNext + j, n)
                    if let dOut { dh += Lanes.load(dOut + j, n) }
                    let dc = Lanes.load(dcNext + j, n) + dh * o * (1 - tc * tc)
                    Lanes.store(dc * g * i * (1 - i), dg + j, n)
                    Lanes.store(dc * Lanes.load(cPrev + j, n) * f * (1 - f), dg + hidden + j, n)
                    Lanes.store(dc * i * (1 - g * g), dg + 2 * hidden + j, n)
                    Lanes.store(dh * tc * o * (1 - o), dg + 3 * hidden + j, n)
                    Lanes.store(dc * f, dcPrev + j, n)
                    Lanes.store(Vector(), dhPrev + j, n)
                }
            }
        }
    }
}

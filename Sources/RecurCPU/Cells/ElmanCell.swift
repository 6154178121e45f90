import Recur

/// The Elman RNN cell, h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), act = tanh or ReLU.
/// Forward and backward side by side. Shapes: B rows, H hidden units (G = 1); 8 units a vector.
enum ElmanCell {
    /// Writes h_t (B, H) into `hNext` and the masked output. Saves nothing: the backward takes the
    /// derivative from h_t itself (tanh' = 1 - h^2, ReLU' = [h > 0]).
    static func forward(_ s: CellForwardStep, pool: ThreadPool) {
        let hidden = s.hidden, relu = s.mode == .rnnReLU
        let mask = RowMask(s.lengths, time: s.time)
        let biasIH = s.biasIH.row(0), biasHH = s.biasHH.row(0)
        pool.forEachRow(s.batch, width: hidden) { rows in
            for b in rows {
                let hPrev = s.hPrev.row(b), hNext = s.hNext.row(b), out = s.output.row(b)
                guard mask.isValid(b) else {
                    hNext.update(from: hPrev, count: hidden)
                    out.update(repeating: 0, count: hidden)
                    continue
                }
                let x = s.xProj.row(b), h = s.hProj.row(b)
                for j in stride(from: 0, to: hidden, by: 8) {
                    let n = min(8, hidden - j)
                    var pre = Lanes.load(x + j, n) + Lanes.load(h + j, n)
                    if let biasIH, let biasHH { pre += Lanes.load(biasIH + j, n) + Lanes.load(biasHH + j, n) }
                    let value = relu ? pre.replacing(with: 0, where: pre .< 0) : VectorMath.tanh(pre)
                    Lanes.store(value, hNext + j, n)
                    Lanes.store(value, out + j, n)
                }
            }
        }
    }

    /// dGates (B, H) = dh * act'(h_t), with dh = dhNext + dOutput; dhPrev's direct part is zero.
    static func backward(_ s: CellBackwardStep, pool: ThreadPool) {
        let hidden = s.hidden, relu = s.mode == .rnnReLU
        let mask = RowMask(s.lengths, time: s.time)
        pool.forEachRow(s.batch, width: hidden) { rows in
            for b in rows {
                let dhNext = s.dhNext.row(b), dhPrev = s.dhPrev.row(b)
                let dgx = s.dGatesX.row(b), dgh = s.dGatesH.row(b)
                guard mask.isValid(b) else {
                    dhPrev.update(from: dhNext, count: hidden)
                    dgx.update(repeating: 0, count: hidden)
                    dgh.update(repeating: 0, count: hidden)
                    continue
                }
                let h = s.hOut.row(b), dOut = s.dOutput.row(b)
                for j in stride(from: 0, to: hidden, by: 8) {
                    let n = min(8, hidden - j)
                    var dh = Lanes.load(dhNext + j, n)
                    if let dOut { dh += Lanes.load(dOut + j, n) }
                    let hv = Lanes.load(h + j, n)
                    let dPre = relu ? dh.replacing(with: 0, where: hv .<= 0) : dh * (1 - hv * hv)
                    Lanes.store(dPre, dgx + j, n)
                    Lanes.store(dPre, dgh + j, n)
                    Lanes.store(Vector(), dhPrev + j, n)
                }
            }
        }
    }
}

import Recur

/// The layer-normalised cells' operations on the CPU (LayerNormSequence.swift, LayerNormCell.swift):
/// row normalisation forward beside backward, the gains' column sums, and the fused LSTM cell with
/// its cell-state normalisation. Rows are shared out over the pool; within a row the sums run in
/// order over the stored values, the transcendental parts a vector at a time.
extension CPUBackend {
    /// `Backend.layerNorm`: two passes over each row (mean, then the centred variance).
    public func layerNorm(_ x: Matrix, gain: Matrix, epsilon: Float, normalized: Matrix, output: Matrix,
                          inverseDeviation: Matrix) throws {
        precondition(normalized.rows == x.rows && normalized.cols == x.cols && output.rows == x.rows && output.cols == x.cols
                     && gain.cols == x.cols && inverseDeviation.cols == x.rows, "layerNorm between views of different shapes")
        profiled("layerNorm") {
            let width = x.cols, g = gain.row(0), deviation = inverseDeviation.row(0)
            pool.forEachRow(x.rows, width: width) { rows in
                for r in rows {
                    let xr = x.row(r), nr = normalized.row(r), yr = output.row(r)
                    let (mean, rstd) = Self.moments(xr, count: width, epsilon: epsilon)
                    deviation[r] = rstd
                    // `output` may be x itself: each vector of the row is read before it is written.
                    let meanVector = Vector(repeating: mean), rstdVector = Vector(repeating: rstd)
                    Lanes.forEach(width) { j, n in
                        let nhat = (Lanes.load(xr + j, n) - meanVector) * rstdVector
                        Lanes.store(nhat, nr + j, n)
                        Lanes.store(nhat * Lanes.load(g + j, n), yr + j, n)
                    }
                }
            }
        }
    }

    /// `Backend.layerNormBackward`: per row, the two means, then dx.
    public func layerNormBackward(_ gradient: Matrix, normalized: Matrix, inverseDeviation: Matrix, gain: Matrix,
                                  into dx: Matrix) throws {
        precondition(normalized.rows == gradient.rows && normalized.cols == gradient.cols && dx.rows == gradient.rows
                     && dx.cols == gradient.cols && gain.cols == gradient.cols, "layerNormBackward between views of different shapes")
        profiled("layerNormBackward") {
            let width = gradient.cols, g = gain.row(0), deviation = inverseDeviation.row(0)
            pool.forEachRow(gradient.rows, width: width) { rows in
                for r in rows {
                    Self.normalizationBackward(
                        dy: gradient.row(r), gain: g, normalized: normalized.row(r), rstd: deviation[r], into: dx.row(r),
                        count: width)
                }
            }
        }
    }

    /// `Backend.sumRowsOfProducts`: column blocks shared out over the pool, each walking every row.
    public func sumRowsOfProducts(_ a: Matrix, _ b: Matrix, into dst: Matrix, accumulate: Bool) throws {
        precondition(a.rows == b.rows && a.cols == b.cols && dst.rows == 1 && dst.cols == a.cols,
                     "sumRowsOfProducts between views of different shapes")
        profiled("sumRowsOfProducts") {
            let out = dst.row(0), width = a.cols
            let blocks = min(pool.threadCount, max(1, width / 64))
            func block(_ index: Int) {
                let start = width * index / blocks, end = width * (index + 1) / blocks
                if !accumulate { (out + start).update(repeating: 0, count: end - start) }
                for r in 0..<a.rows {
                    let ar = a.row(r) + start, br = b.row(r) + start, o = out + start
                    Lanes.forEach(end - start) { j, n in
                        Lanes.store(Lanes.load(o + j, n).addingProduct(Lanes.load(ar + j, n), Lanes.load(br + j, n)), o + j, n)
                    }
                }
            }
            if blocks > 1 { pool.parallelFor(blocks, block) } else { block(0) }
        }
    }

    /// `Backend.layerNormLSTMForward`, fused per row.
    public func layerNormLSTMForward(_ s: LayerNormLSTMForwardStep) throws {
        profiled("layerNormLSTMForward") {
            let hidden = s.hidden, mask = RowMask(lengthPointer(s.lengths), time: s.time)
            let biasIH = s.biasIH?.row(0), biasHH = s.biasHH?.row(0)
            let gain = s.cellGain.row(0), shift = s.cellBias.row(0)
            pool.forEachRow(s.batch, width: 4 * hidden) { rows in
                for r in rows {
                    let hNext = s.hNext.row(r), cNext = s.cNext.row(r), output = s.output.row(r)
                    guard mask.isValid(r) else {
                        hNext.update(from: s.hPrev.row(r), count: hidden)
                        cNext.update(from: s.cPrev.row(r), count: hidden)
                        output.update(repeating: 0, count: hidden)
                        // nhat enters the gain's gradient as 0 * nhat: it must be finite, not stale memory.
                        if let saved = s.saved { (saved.row(r) + 5 * hidden).update(repeating: 0, count: hidden) }
                        continue
                    }
                    let x = s.xPart.row(r), h = s.hPart.row(r), cPrev = s.cPrev.row(r), saved = s.saved.map { $0.row(r) }
                    // Pass 1: gates and c'; o waits in the output row (the saved row may be absent).
                    Lanes.forEach(hidden) { j, n in
                        func pre(_ k: Int) -> Vector {
                            var v = Lanes.load(x + k * hidden + j, n) + Lanes.load(h + k * hidden + j, n)
                            if let biasIH { v += Lanes.load(biasIH + k * hidden + j, n) }
                            if let biasHH { v += Lanes.load(biasHH + k * hidden + j, n) }
                            return v
                        }
                        let i = VectorMath.sigmoid(pre(0)), f = VectorMath.sigmoid(pre(1))
                        let g = VectorMath.tanh(pre(2)), o = VectorMath.sigmoid(pre(3))
                        Lanes.store((i * g).addingProduct(f, Lanes.load(cPrev + j, n)), cNext + j, n)
                        Lanes.store(o, output + j, n)
                        if let saved {
                            // Over x's own values when x is the saved row: each unit is read above first.
                            Lanes.store(i, saved + j, n); Lanes.store(f, saved + hidden + j, n)
                            Lanes.store(g, saved + 2 * hidden + j, n); Lanes.store(o, saved + 3 * hidden + j, n)
                        }
                    }
                    // Pass 2: LN(c') over the row, then h' = o * tanh(nhat * gain + bias).
                    let (mean, rstd) = Self.moments(cNext, count: hidden, epsilon: s.epsilon)
                    let meanVector = Vector(repeating: mean), rstdVector = Vector(repeating: rstd)
                    Lanes.forEach(hidden) { j, n in
                        let nhat = (Lanes.load(cNext + j, n) - meanVector) * rstdVector
                        let tn = VectorMath.tanh(nhat * Lanes.load(gain + j, n) + Lanes.load(shift + j, n))
                        let value = Lanes.load(output + j, n) * tn
                        Lanes.store(value, hNext + j, n)
                        Lanes.store(value, output + j, n)
                        if let saved {
                            Lanes.store(tn, saved + 4 * hidden + j, n)
                            Lanes.store(nhat, saved + 5 * hidden + j, n)
                        }
                    }
                    saved?[6 * hidden] = rstd
                }
            }
        }
    }

    /// `Backend.layerNormLSTMBackward`, fused per row.
    public func layerNormLSTMBackward(_ s: LayerNormLSTMBackwardStep) throws {
        profiled("layerNormLSTMBackward") {
            let hidden = s.hidden, mask = RowMask(lengthPointer(s.lengths), time: s.time)
            let gain = s.cellGain.row(0)
            pool.forEachRow(s.batch, width: 4 * hidden) { rows in
                for r in rows {
                    let dGates = s.dGates.row(r), dCell = s.dCell.row(r)
                    let dhNext = s.dhNext.row(r), dcNext = s.dcNext.row(r), dOutput = s.dOutput.map { $0.row(r) }
                    guard mask.isValid(r) else {
                        dGates.update(repeating: 0, count: 4 * hidden)
                        dCell.update(repeating: 0, count: hidden)
                        s.dhPrev.row(r).update(from: dhNext, count: hidden)
                        s.dcPrev.row(r).update(from: dcNext, count: hidden)
                        continue
                    }
                    let saved = s.saved.row(r), cPrev = s.cPrev.row(r), dcPrev = s.dcPrev.row(r)
                    let tnRow = saved + 4 * hidden, nhatRow = saved + 5 * hidden, rstd = saved[6 * hidden]
                    func dh(_ j: Int, _ n: Int) -> Vector {
                        var v = Lanes.load(dhNext + j, n)
                        if let dOutput { v += Lanes.load(dOutput + j, n) }
                        return v
                    }
                    // Pass 1: dn, and the two sums of u = dn * gain the normalisation's backward needs.
                    Lanes.forEach(hidden) { j, n in
                        let o = Lanes.load(saved + 3 * hidden + j, n), tn = Lanes.load(tnRow + j, n)
                        Lanes.store(dh(j, n) * o * (1 - tn * tn), dCell + j, n)
                    }
                    let (sumU, sumUN) = Self.gainedSums(dCell, gain: gain, normalized: nhatRow, count: hidden)
                    let meanU = Vector(repeating: sumU / Float(hidden)), meanUN = Vector(repeating: sumUN / Float(hidden))
                    let rstdVector = Vector(repeating: rstd)
                    // Pass 2: dc, then the gates (over the saved gates, each unit read first).
                    Lanes.forEach(hidden) { j, n in
                        let u = Lanes.load(dCell + j, n) * Lanes.load(gain + j, n), nhat = Lanes.load(nhatRow + j, n)
                        let dc = Lanes.load(dcNext + j, n) + rstdVector * (u - meanU - nhat * meanUN)
                        let i = Lanes.load(saved + j, n), f = Lanes.load(saved + hidden + j, n)
                        let g = Lanes.load(saved + 2 * hidden + j, n), o = Lanes.load(saved + 3 * hidden + j, n)
                        let tn = Lanes.load(tnRow + j, n)
                        Lanes.store(dc * g * i * (1 - i), dGates + j, n)
                        Lanes.store(dc * Lanes.load(cPrev + j, n) * f * (1 - f), dGates + hidden + j, n)
                        Lanes.store(dc * i * (1 - g * g), dGates + 2 * hidden + j, n)
                        Lanes.store(dh(j, n) * tn * o * (1 - o), dGates + 3 * hidden + j, n)
                        Lanes.store(dc * f, dcPrev + j, n)
                    }
                    s.dhPrev.row(r).update(repeating: 0, count: hidden)
                }
            }
        }
    }

    /// The mean of a row and 1 / sqrt(biased variance + epsilon), the variance from centred values.
    /// A vector of lanes at a time over the full vectors, then the tail one by one: the per-row
    /// sums ran scalar at first (layerNorm 657 us for 64 x 2048 on AMD EPYC, 12% of an LN-LSTM step).
    static func moments(_ x: UnsafeMutablePointer<Float>, count: Int, epsilon: Float) -> (mean: Float, rstd: Float) {
        let full = count - count % Vector.scalarCount
        var sums = Vector()
        for j in stride(from: 0, to: full, by: Vector.scalarCount) { sums += Lanes.load(x + j, Vector.scalarCount) }
        var sum = sums.sum()
        for c in full..<count { sum += x[c] }
        let mean = sum / Float(count), meanVector = Vector(repeating: mean)
        var squareSums = Vector()
        for j in stride(from: 0, to: full, by: Vector.scalarCount) {
            let d = Lanes.load(x + j, Vector.scalarCount) - meanVector
            squareSums = squareSums.addingProduct(d, d)
        }
        var squares = squareSums.sum()
        for c in full..<count {
            let d = x[c] - mean
            squares += d * d
        }
        return (mean, 1 / (squares / Float(count) + epsilon).squareRoot())
    }

    /// sum(dy * gain) and sum(dy * gain * nhat) over a row: the two means the normalisation's
    /// backward needs.
    static func gainedSums(_ dy: UnsafeMutablePointer<Float>, gain: UnsafeMutablePointer<Float>,
                           normalized nhat: UnsafeMutablePointer<Float>, count: Int) -> (Float, Float) {
        let full = count - count % Vector.scalarCount
        var sumsG = Vector(), sumsGN = Vector()
        for j in stride(from: 0, to: full, by: Vector.scalarCount) {
            let g = Lanes.load(dy + j, Vector.scalarCount) * Lanes.load(gain + j, Vector.scalarCount)
            sumsG += g
            sumsGN = sumsGN.addingProduct(g, Lanes.load(nhat + j, Vector.scalarCount))
        }
        var sumG = sumsG.sum(), sumGN = sumsGN.sum()
        for c in full..<count {
            let g = dy[c] * gain[c]
            sumG += g
            sumGN += g * nhat[c]
        }
        return (sumG, sumGN)
    }

    /// One row of the normalisation's backward: with g = dy * gain,
    /// dx = rstd * (g - mean(g) - nhat * mean(g * nhat)). `dx` may be `dy`.
    static func normalizationBackward(dy: UnsafeMutablePointer<Float>, gain: UnsafeMutablePointer<Float>,
                                      normalized nhat: UnsafeMutablePointer<Float>, rstd: Float,
                                      into dx: UnsafeMutablePointer<Float>, count: Int) {
        let (sumG, sumGN) = gainedSums(dy, gain: gain, normalized: nhat, count: count)
        let meanG = Vector(repeating: sumG / Float(count)), meanGN = Vector(repeating: sumGN / Float(count))
        let rstdVector = Vector(repeating: rstd)
        Lanes.forEach(count) { j, n in
            let g = Lanes.load(dy + j, n) * Lanes.load(gain + j, n)
            Lanes.store(rstdVector * (g - meanG - Lanes.load(nhat + j, n) * meanGN), dx + j, n)
        }
    }
}

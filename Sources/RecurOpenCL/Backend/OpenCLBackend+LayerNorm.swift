import Recur

/// The layer-normalised cells' operations (Kernels/layer_norm.cl): one launch each, the row kernels
/// a work-group per row of up to `lossRowWidth` work-items, `layerNormUnitWidth` columns at a time.
extension OpenCLBackend {
    private var layerNormDefines: [String: String] { LayerNormKernels.defines(unitWidth: layerNormUnitWidth) }

    /// `Backend.layerNorm`: `layer_norm_rows`.
    public func layerNorm(_ x: Matrix, gain: Matrix, epsilon: Float, normalized: Matrix, output: Matrix,
                          inverseDeviation: Matrix) throws {
        precondition(normalized.rows == x.rows && normalized.cols == x.cols && output.rows == x.rows && output.cols == x.cols
                     && gain.cols == x.cols && inverseDeviation.cols == x.rows, "layerNorm between views of different shapes")
        for written in [normalized, output, inverseDeviation] { packCache.invalidate(ViewArgument(written).buffer) }
        try queue.enqueue(LayerNormRows(
            x: ViewArgument(x), gain: ViewArgument(gain), normalized: ViewArgument(normalized), output: ViewArgument(output),
            deviation: ViewArgument(inverseDeviation), rows: Int32(x.rows), cols: Int32(x.cols), epsilon: epsilon,
            width: try reductionWidth(.layerNormRows, wanted: lossRowWidth, defines: layerNormDefines),
            unitWidth: layerNormUnitWidth))
    }

    /// `Backend.layerNormBackward`: `layer_norm_backward_rows`.
    public func layerNormBackward(_ gradient: Matrix, normalized: Matrix, inverseDeviation: Matrix, gain: Matrix,
                                  into dx: Matrix) throws {
        precondition(normalized.rows == gradient.rows && normalized.cols == gradient.cols && dx.rows == gradient.rows
                     && dx.cols == gradient.cols && gain.cols == gradient.cols, "layerNormBackward between views of different shapes")
        packCache.invalidate(ViewArgument(dx).buffer)
        try queue.enqueue(LayerNormBackwardRows(
            gradient: ViewArgument(gradient), normalized: ViewArgument(normalized), deviation: ViewArgument(inverseDeviation),
            gain: ViewArgument(gain), dx: ViewArgument(dx), rows: Int32(gradient.rows), cols: Int32(gradient.cols),
            width: try reductionWidth(.layerNormBackwardRows, wanted: lossRowWidth, defines: layerNormDefines),
            unitWidth: layerNormUnitWidth))
    }

    /// `Backend.sumRowsOfProducts`: `sum_row_product_chunks` into partial sums, then `sum_rows`
    /// over them, as `sumRows` runs a tall matrix.
    public func sumRowsOfProducts(_ a: Matrix, _ b: Matrix, into dst: Matrix, accumulate: Bool) throws {
        precondition(a.rows == b.rows && a.cols == b.cols && dst.rows == 1 && dst.cols == a.cols,
                     "sumRowsOfProducts between views of different shapes")
        let to = ViewArgument(dst)
        packCache.invalidate(to.buffer)
        let chunkRows = Self.columnSumChunkRows
        let chunks = (a.rows + chunkRows - 1) / chunkRows
        let partials = try scratchBuffer(.columnSumPartials, count: chunks * a.cols)
        try queue.enqueue(SumRowProductChunks(
            a: ViewArgument(a), b: ViewArgument(b), rows: Int32(a.rows), cols: Int32(a.cols), chunkRows: Int32(chunkRows),
            partials: partials))
        try queue.enqueue(SumRows(
            src: partials, off: 0, rows: Int32(chunks), cols: Int32(a.cols), ld: Int32(a.cols),
            dst: to.buffer, dstOff: to.offset, accumulate: accumulate ? 1 : 0))
    }

    /// `Backend.layerNormLSTMForward`: `layer_norm_lstm_forward`, a work-group per batch row.
    public func layerNormLSTMForward(_ s: LayerNormLSTMForwardStep) throws {
        for written in [s.hNext, s.cNext, s.output] + [s.saved].compactMap({ $0 }) {
            packCache.invalidate(ViewArgument(written).buffer)
        }
        let absent = ViewArgument(absent: dummy)
        try queue.enqueue(LayerNormLSTMForward(
            xPart: ViewArgument(s.xPart), hPart: ViewArgument(s.hPart),
            biasIH: s.biasIH.map(ViewArgument.init) ?? absent, biasHH: s.biasHH.map(ViewArgument.init) ?? absent,
            hasBias: s.biasIH != nil && s.biasHH != nil ? 1 : 0, cellGain: ViewArgument(s.cellGain),
            cellBias: ViewArgument(s.cellBias), epsilon: s.epsilon, hPrev: ViewArgument(s.hPrev), hNext: ViewArgument(s.hNext),
            cPrev: ViewArgument(s.cPrev), cNext: ViewArgument(s.cNext), output: ViewArgument(s.output),
            saved: s.saved.map(ViewArgument.init) ?? absent, hasSaved: s.saved == nil ? 0 : 1,
            lengths: LengthsArgument(s.lengths, batch: s.batch, dummy: dummy), time: Int32(s.time), batch: Int32(s.batch),
            hidden: Int32(s.hidden), width: try reductionWidth(.layerNormLstmForward, wanted: lossRowWidth, defines: layerNormDefines),
            unitWidth: layerNormUnitWidth))
    }

    /// `Backend.layerNormLSTMBackward`: `layer_norm_lstm_backward`, a work-group per batch row.
    public func layerNormLSTMBackward(_ s: LayerNormLSTMBackwardStep) throws {
        for written in [s.dGates, s.dCell, s.dhPrev, s.dcPrev] { packCache.invalidate(ViewArgument(written).buffer) }
        try queue.enqueue(LayerNormLSTMBackward(
            saved: ViewArgument(s.saved), dGates: ViewArgument(s.dGates), cPrev: ViewArgument(s.cPrev),
            cellGain: ViewArgument(s.cellGain), dhNext: ViewArgument(s.dhNext), dcNext: ViewArgument(s.dcNext),
            dOutput: s.dOutput.map(ViewArgument.init) ?? ViewArgument(absent: dummy), hasDOutput: s.dOutput == nil ? 0 : 1,
            dCell: ViewArgument(s.dCell), dhPrev: ViewArgument(s.dhPrev), dcPrev: ViewArgument(s.dcPrev),
            lengths: LengthsArgument(s.lengths, batch: s.batch, dummy: dummy), time: Int32(s.time), batch: Int32(s.batch),
            hidden: Int32(s.hidden), width: try reductionWidth(.layerNormLstmBackward, wanted: lossRowWidth, defines: layerNormDefines),
            unitWidth: layerNormUnitWidth))
    }
}

/// Backpropagation through time, written once over the `Backend` operations, the way cuDNN and
/// haste run it. Shapes: T steps, B sequences, I_l input features of layer l, H hidden units,
/// G gates, D directions, S saved activations per hidden unit (`CellMode.savedWidth`).
///
/// Forward, per layer and direction:
///   1. one GEMM projects every time step at once: xProj (T*B, G*H) = X (T*B, I_l) W_ih^T
///   2. per step one recurrent GEMM, hProj (B, G*H) = h_{t-1} W_hh^T, then one fused cell step
///      (biases, gate nonlinearities, state update, masking by length, saving activations).
/// Backward mirrors it: per step (in reverse) one fused cell step and one recurrent GEMM
/// dh_{t-1} += dGatesH_t W_hh; after the loop the weight gradients are three large GEMMs and two
/// column sums, and dX = dGatesX W_ih feeds the layer below.
/// The time loops themselves are handed to the backend whole (`Backend.recurrentForward` /
/// `recurrentBackward`, RecurrentSequence.swift), which runs them step by step as above or, like the
/// CPU backend's persistent team, faster.

/// What the forward produced, and what its backward needs.
public struct RNNForward {
    /// (T, B, D*H), or (B, T, D*H) when batch-first; zero past each sequence's length.
    public let output: Tensor
    /// (L*D, B, H): each sequence's state after its own last step.
    public let hN: Tensor
    /// (L*D, B, H): LSTM only.
    public let cN: Tensor?
    let saved: SavedForBackward?
}

/// Gradients of the inputs of a forward (parameter gradients accumulate in the layer).
public struct RNNGradients {
    /// Like the input; nil when the backward was asked not to compute it (`inputGradient: false`).
    public let input: Tensor?
    /// (L*D, B, H).
    public let h0: Tensor
    /// (L*D, B, H): LSTM only.
    public let c0: Tensor?
}

/// Activations kept from a training forward for its backward.
struct SavedForBackward {
    /// Which layer ran the forward, and on which parameters (`RecurrentLayer.checkProvenance`).
    let provenance: ForwardProvenance
    let steps: Int
    let batch: Int
    /// Per layer: its input (T*B, I_l) in time-major order.
    let layerInputs: [Matrix]
    /// Per layer and direction: hidden states ((T+1)*B, H, or P with a projection); slot s holds
    /// rows s*B ..< (s+1)*B.
    /// Forward direction: slot 0 = h0, slot t+1 = h_t. Reverse: slot T = h0, slot t = h_t.
    let hiddenStates: [[Matrix]]
    /// Same layout for the LSTM's c.
    let cellStates: [[Matrix]]
    /// Per layer and direction: (T*B, S*H) activations, by time.
    let activations: [[Matrix]]
    /// Per layer and direction of a projected LSTM: (T*B, H) r_t = o_t * tanh(c_t); empty otherwise.
    let cellOutputs: [[Matrix]]
    /// Per layer and direction of a layer-normalised cell: the normalisations kept; empty otherwise.
    let normalizations: [[LayerNormActivations]]
    let lengths: (any DeviceBuffer)?
    /// The forward's seed of its dropout between layers and its zoneout masks, when the descriptor has either.
    let dropoutSeed: UInt32?
    /// Set by the backward, which writes the gate gradients over the activations: they serve one
    /// backward.
    let spent = SpentFlag()
}

/// Whether a forward's saved activations have been used (and overwritten) by a backward.
final class SpentFlag {
    var isSpent = false
}

extension RecurrentLayer {
    /// Runs the stack over `input` ((T, B, I), or (B, T, I) when batch-first). Missing initial
    /// states are zero. `lengths` (one per sequence, 1...T, any order) make the sequences variable-length.
    /// With `training`, the activations BPTT needs are kept in the result for `backward`, and the
    /// descriptor's dropout applies between layers, and its zoneout to the states, with masks drawn
    /// from `dropoutSeed` (the same seed gives the same masks on every backend); without one, each
    /// such forward draws a fresh seed from `dropoutGenerator`. Without `training`, zoneout takes
    /// its expectation.
    public func forward(
        _ input: Tensor, h0: Tensor? = nil, c0: Tensor? = nil, lengths: [Int]? = nil, training: Bool = true,
        dropoutSeed: UInt32? = nil
    ) throws -> RNNForward {
        let (steps, batch) = try validateInput(input)
        try validateState(h0, "h0", batch: batch)
        try validateCellState(c0, "c0", batch: batch)
        try validateLengths(lengths, steps: steps, batch: batch)

        let d = descriptor
        let hidden = d.hiddenSize, gates = d.gateCount * hidden, rows = steps * batch
        let state = d.stateSize
        let lstm = d.mode.hasCellState
        let savedWidth = d.savedWidth

        var lengthBuffer: (any DeviceBuffer)?
        if let lengths {
            let buffer = try backend.makeBuffer(count: batch)
            try backend.upload(lengths.map { Int32($0) }, to: buffer, offset: 0)
            lengthBuffer = buffer
        }

        var layerInput = try timeMajor(input, steps: steps, batch: batch)
        // xProj of the layers that save no activations (inference, Elman cells): one buffer for all.
        var sharedProjection: Matrix?
        let hN = try backend.zeros([d.stateCount, batch, state])
        let cN = lstm ? try backend.zeros([d.stateCount, batch, hidden]) : nil

        var layerInputs: [Matrix] = [], hiddenStates: [[Matrix]] = [], cellStates: [[Matrix]] = []
        var activations: [[Matrix]] = [], cellOutputs: [[Matrix]] = [], normalizations: [[LayerNormActivations]] = []
        // Drawn only when dropout applies, as PyTorch draws only then.
        let dropoutSeed: UInt32? = training && (d.dropout > 0 || d.zoneout > 0)
            ? dropoutSeed ?? UInt32(truncatingIfNeeded: dropoutGenerator.next()) : nil
        for layer in 0..<d.numLayers {
            if layer > 0, d.dropout > 0, let dropoutSeed {
                let dropped = Matrix(try backend.makeScratchBuffer(count: rows * layerInput.cols), rows: rows, cols: layerInput.cols)
                try backend.dropout(layerInput, into: dropped, probability: d.dropout, seed: dropoutSeed &+ UInt32(layer))
                layerInput = dropped
            }
            let output = Matrix(try backend.makeScratchBuffer(count: rows * d.outputSize), rows: rows, cols: d.outputSize)
            var layerHidden: [Matrix] = [], layerCell: [Matrix] = [], layerSaved: [Matrix] = []
            var layerCellOutputs: [Matrix] = [], layerNorms: [LayerNormActivations] = []
            for direction in 0..<d.directions {
                let w = weights(layer: layer, direction: direction, in: parameters)
                let stateRow = layer * d.directions + direction
                let reverse = direction == 1
                let hs = try stateSequence(width: state, steps: steps, batch: batch)
                let cs = lstm ? try stateSequence(width: hidden, steps: steps, batch: batch) : nil
                let savedLd = paddedStride(savedWidth)
                // The cell clip reads o from the saved gates, in inference too.
                let saved = (training || d.cellClip > 0) && savedWidth > 0
                    ? Matrix(try backend.makeScratchBuffer(count: rows * savedLd), rows: rows, cols: savedWidth, ld: savedLd) : nil
                // A training cell's input projection goes into the first G*H columns of its saved rows,
                // which the cell step then overwrites unit by unit (CellForwardStep.saved): the
                // activations land on lines already in cache. lstm-small CPU, 6 alternated runs:
                // training 2.73-2.84 -> 2.67-2.77 ms; 4 MiB less to hold.
                let xProj: Matrix
                if let saved {
                    xProj = saved.columns(0, gates)
                } else if let shared = sharedProjection {
                    xProj = shared
                } else {
                    xProj = Matrix(try backend.makeScratchBuffer(count: rows * gates), rows: rows, cols: gates)
                    sharedProjection = xProj
                }
                let firstSlot = reverse ? steps : 0, lastSlot = reverse ? 0 : steps
                try initialState(h0, row: stateRow, into: hs.rows(firstSlot * batch, batch))
                if let cs { try initialState(c0, row: stateRow, into: cs.rows(firstSlot * batch, batch)) }

                try backend.gemm(transA: false, transB: true, alpha: 1, layerInput, w.inputWeight, beta: 0, xProj)
                let directionOutput = output.columns(direction * state, state)
                let zoneout = zoneoutSettings(layer: layer, direction: direction, seed: dropoutSeed, training: training)
                if let norms = w.layerNorm {
                    let kept = try forwardLayerNorm(
                        d.mode, steps: steps, batch: batch, reverse: reverse, xProj: xProj, weights: w, norms: norms,
                        hiddenStates: hs, cellStates: cs, output: directionOutput, saved: saved, lengths: lengthBuffer,
                        zoneout: zoneout)
                    if let kept { layerNorms.append(kept) }
                } else if let projection = w.projection, let cs {
                    // r_t of every step for the backward; one step's worth in inference.
                    let cellOutputRows = training ? rows : batch
                    let cellOutputs = Matrix(try backend.makeScratchBuffer(count: cellOutputRows * hidden),
                                             rows: cellOutputRows, cols: hidden)
                    try backend.projectedRecurrentForward(ProjectedForwardSequence(
                        steps: steps, batch: batch, reverse: reverse, xProj: xProj, hiddenWeight: w.hiddenWeight,
                        projection: projection, biasIH: w.inputBias, biasHH: w.hiddenBias, hiddenStates: hs,
                        cellStates: cs, cellOutputs: cellOutputs, output: directionOutput, saved: saved,
                        lengths: lengthBuffer))
                    if training { layerCellOutputs.append(cellOutputs) }
                } else {
                    var sequence = RecurrentForwardSequence(
                        mode: d.mode, steps: steps, batch: batch, reverse: reverse, xProj: xProj,
                        hiddenWeight: w.hiddenWeight, biasIH: w.inputBias, biasHH: w.hiddenBias, hiddenStates: hs,
                        cellStates: cs, output: directionOutput, saved: saved, lengths: lengthBuffer, zoneout: zoneout)
                    sequence.cellClip = d.cellClip > 0 ? d.cellClip : nil
                    // Zoneout and the cell clip run in the per-step definition only; the backends'
                    // own loops have neither.
                    if zoneout != nil || sequence.cellClip != nil {
                        try backend.recurrentForwardPerStep(sequence)
                    } else {
                        try backend.recurrentForward(sequence)
                    }
                }
                try backend.copy(hs.rows(lastSlot * batch, batch), to: stateRowView(hN, stateRow))
                if let cs, let cN { try backend.copy(cs.rows(lastSlot * batch, batch), to: stateRowView(cN, stateRow)) }
                layerHidden.append(hs)
                if let cs { layerCell.append(cs) }
                if let saved { layerSaved.append(saved) }
            }
            layerInputs.append(layerInput)
            hiddenStates.append(layerHidden)
            cellStates.append(layerCell)
            activations.append(layerSaved)
            cellOutputs.append(layerCellOutputs)
            normalizations.append(layerNorms)
            layerInput = output
        }

        let output = try userLayout(layerInput, steps: steps, batch: batch)
        let provenance = ForwardProvenance(layer: identity, descriptor: d, parameterVersion: parameterVersion)
        let saved = training
            ? SavedForBackward(
                provenance: provenance, steps: steps, batch: batch, layerInputs: layerInputs, hiddenStates: hiddenStates,
                cellStates: cellStates, activations: activations, cellOutputs: cellOutputs, normalizations: normalizations,
                lengths: lengthBuffer,
                dropoutSeed: dropoutSeed)
            : nil
        return RNNForward(output: output, hN: hN, cN: cN, saved: saved)
    }

    /// Backpropagates through a training forward. Missing upstream gradients are zero. Parameter
    /// gradients are added to `gradients`; the gradients of the input and initial states are returned.
    /// A forward serves one backward, which writes the gate gradients over its saved activations;
    /// a second one throws, and so does another layer's forward or one made before this layer's
    /// parameters changed (`RecurError.mismatchedForward`).
    /// `inputGradient: false` skips the input's gradient, like PyTorch for an input that does not
    /// require grad: the first layer's dX GEMM (T*B x G*H x I per direction) is not run, and
    /// `RNNGradients.input` is nil. Layers above the first still need theirs.
    public func backward(
        _ forward: RNNForward, gradOutput: Tensor?, gradHN: Tensor? = nil, gradCN: Tensor? = nil,
        inputGradient: Bool = true
    ) throws -> RNNGradients {
        guard let saved = forward.saved else {
            throw RecurError.invalidValue("backward needs a forward run with training: true")
        }
        try checkProvenance(saved.provenance)
        guard !saved.spent.isSpent else {
            throw RecurError.invalidValue(
                "this forward was already backpropagated (the backward writes the gate gradients over its saved activations); run forward again for another backward")
        }
        let steps = saved.steps, batch = saved.batch
        try validateOutputGradient(gradOutput, steps: steps, batch: batch)
        try validateState(gradHN, "grad_h_n", batch: batch)
        try validateCellState(gradCN, "grad_c_n", batch: batch)

        let d = descriptor
        let hidden = d.hiddenSize, gates = d.gateCount * hidden, rows = steps * batch
        let state = d.stateSize
        let lstm = d.mode.hasCellState

        // dGatesH differs from dGatesX only for the GRU's n block; other cells share one view.
        // Cells that save activations get dGatesX written over the first G*H columns of their
        // saved rows, which each cell step has read by then (RecurrentBackwardSequence.dGatesX):
        // the gradients land on lines already in cache, and no (T*B, G*H) buffer is needed. The
        // Elman cell saves nothing and gets one buffer for every layer and direction.
        let gatesShared = !d.mode.hasSeparateHiddenGateGradients
        let gatesLd = paddedStride(gates)
        func gateBuffer() throws -> Matrix {
            Matrix(try backend.makeScratchBuffer(count: rows * gatesLd), rows: rows, cols: gates, ld: gatesLd)
        }
        let separateGatesX = d.mode.savedWidth == 0 ? try gateBuffer() : nil
        let separateGatesH = gatesShared ? nil : try gateBuffer()
        saved.spent.isSpent = true
        let dh = (try stateBuffer(width: state, batch), try stateBuffer(width: state, batch))
        let dc = lstm ? (try stateBuffer(width: hidden, batch), try stateBuffer(width: hidden, batch)) : nil
        let gradH0 = try backend.zeros([d.stateCount, batch, state])
        let gradC0 = lstm ? try backend.zeros([d.stateCount, batch, hidden]) : nil

        // dY of the top layer, time-major; nil when no output gradient was given.
        var dOutput: Matrix? = try gradOutput.map { try timeMajor($0, steps: steps, batch: batch) }
        // dX of the layer being run, which becomes dY of the layer below; nil for the first layer
        // when the input's gradient is not wanted.
        var dInput: Matrix?
        for layer in stride(from: d.numLayers - 1, through: 0, by: -1) {
            let x = saved.layerInputs[layer]
            dInput = layer > 0 || inputGradient
                ? Matrix(try backend.makeScratchBuffer(count: rows * x.cols), rows: rows, cols: x.cols) : nil
            for direction in 0..<d.directions {
                let w = weights(layer: layer, direction: direction, in: parameters)
                let g = weights(layer: layer, direction: direction, in: gradients)
                let stateRow = layer * d.directions + direction
                let reverse = direction == 1
                let hs = saved.hiddenStates[layer][direction]
                let cs = lstm ? saved.cellStates[layer][direction] : nil
                let activations = d.savedWidth > 0 ? saved.activations[layer][direction] : nil
                guard let dGatesX = separateGatesX ?? activations?.columns(0, gates) else {
                    preconditionFailure("a cell without saved activations has its own gate gradient buffer")
                }
                let dGatesH = separateGatesH ?? dGatesX
                try initialState(gradHN, row: stateRow, into: dh.0)
                if let dc { try initialState(gradCN, row: stateRow, into: dc.0) }
                let directionGradient = dOutput?.columns(direction * state, state)
                // What multiplies h_{t-1} into dW_hh: the gate gradients, except where a
                // normalisation lies between (the layer-normalised cells' raw recurrent projection).
                var hiddenSideGradient = dGatesH
                var biasesAccumulated = false
                let zoneout = zoneoutSettings(layer: layer, direction: direction, seed: saved.dropoutSeed, training: true)
                if let norms = w.layerNorm, let gradNorms = g.layerNorm, let activations {
                    hiddenSideGradient = try backwardLayerNorm(
                        d.mode, steps: steps, batch: batch, reverse: reverse, weights: w, norms: norms, gradients: g,
                        gradNorms: gradNorms, kept: saved.normalizations[layer][direction], saved: activations,
                        hiddenStates: hs, cellStates: cs, dOutput: directionGradient, dGatesX: dGatesX, dGatesH: dGatesH,
                        dh: dh.0, dc: dc?.0, lengths: saved.lengths, zoneout: zoneout)
                    biasesAccumulated = true
                } else if let projection = w.projection, let gradProjection = g.projection, let activations, let cs, let dc {
                    try backend.projectedRecurrentBackward(ProjectedBackwardSequence(
                        steps: steps, batch: batch, reverse: reverse, hiddenWeight: w.hiddenWeight, projection: projection,
                        projectionGradient: gradProjection, saved: activations, cellStates: cs,
                        cellOutputs: saved.cellOutputs[layer][direction], dOutput: directionGradient, dGates: dGatesX,
                        dh: dh.0, dc: dc.0, lengths: saved.lengths))
                } else {
                    var sequence = RecurrentBackwardSequence(
                        mode: d.mode, steps: steps, batch: batch, reverse: reverse, hiddenWeight: w.hiddenWeight,
                        saved: activations, hiddenStates: hs, cellStates: cs, dOutput: directionGradient,
                        dGatesX: dGatesX, dGatesH: dGatesH, dh: dh.0, dc: dc?.0, dhScratch: dh.1, dcScratch: dc?.1,
                        lengths: saved.lengths, zoneout: zoneout)
                    sequence.cellClip = d.cellClip > 0 ? d.cellClip : nil
                    if zoneout != nil || sequence.cellClip != nil {
                        try backend.recurrentBackwardPerStep(sequence)
                    } else {
                        try backend.recurrentBackward(sequence)
                    }
                }
                try backend.copy(dh.0, to: stateRowView(gradH0, stateRow))
                if let dc, let gradC0 { try backend.copy(dc.0, to: stateRowView(gradC0, stateRow)) }

                // Weight gradients: a few large GEMMs over all steps at once.
                // h_{t-1} of every t, in time order: slots 0..<T forward, 1...T reverse.
                let previousStates = hs.rows(reverse ? batch : 0, rows)
                try backend.gemm(transA: true, transB: false, alpha: 1, dGatesX, x, beta: 1, g.inputWeight)
                try backend.gemm(transA: true, transB: false, alpha: 1, hiddenSideGradient, previousStates, beta: 1, g.hiddenWeight)
                if !biasesAccumulated, let inputBias = g.inputBias, let hiddenBias = g.hiddenBias {
                    if gatesShared {
                        // One gate gradient for both biases: sum its columns once, add the sums to each.
                        let columnSums = Matrix(try backend.makeScratchBuffer(count: gates), rows: 1, cols: gates)
                        try backend.sumRows(dGatesX, into: columnSums, accumulate: false)
                        try backend.axpy(alpha: 1, columnSums, inputBias)
                        try backend.axpy(alpha: 1, columnSums, hiddenBias)
                    } else {
                        try backend.sumRows(dGatesX, into: inputBias, accumulate: true)
                        try backend.sumRows(dGatesH, into: hiddenBias, accumulate: true)
                    }
                }
                if let dInput {
                    try backend.gemm(
                        transA: false, transB: false, alpha: 1, dGatesX, w.inputWeight, beta: direction == 0 ? 0 : 1,
                        dInput)
                }
            }
            if layer > 0, d.dropout > 0, let dInput, let seed = saved.dropoutSeed {
                // The gradient of the layer below's output goes through the same mask.
                try backend.dropout(dInput, into: dInput, probability: d.dropout, seed: seed &+ UInt32(layer))
            }
            dOutput = dInput
        }
        let gradInput = try dInput.map { try userLayout($0, steps: steps, batch: batch) }
        return RNNGradients(input: gradInput, h0: gradH0, c0: gradC0)
    }

    // MARK: Helpers

    /// The zoneout of one layer direction, or nil when the descriptor has none: its masks from the
    /// forward's seed (`ZoneoutMask.seed`); in evaluation the seed is not used.
    func zoneoutSettings(layer: Int, direction: Int, seed: UInt32?, training: Bool) -> ZoneoutSettings? {
        let d = descriptor
        guard d.zoneout > 0 else { return nil }
        let base = seed ?? 0
        return ZoneoutSettings(
            probability: d.zoneout,
            hiddenSeed: ZoneoutMask.seed(base, layer: layer, direction: direction, directions: d.directions, cell: false),
            cellSeed: ZoneoutMask.seed(base, layer: layer, direction: direction, directions: d.directions, cell: true),
            training: training && seed != nil)
    }

    /// The row stride for scratch matrices of `cols` columns that the time loops read a few rows of
    /// per step: one cache line more when `cols` floats are a multiple of 4 KiB. At such a stride
    /// the rows' elements of one column lie in one L1 set (64 sets of 64-byte lines), and the
    /// loops' kernels, which read a column of 8 or 12 rows per step of their dot products, evicted
    /// their own rows (the gate gradients of H = 256 and 512, the states of H = 1024), and so did the
    /// CPU's weight-gradient GEMMs, which read the gate gradients' columns in place.
    func paddedStride(_ cols: Int) -> Int {
        padsScratchRows && cols % 1024 == 0 ? cols + 16 : cols
    }

    /// ((T+1)*B, width) states of one direction (rows padded as `paddedStride` says).
    private func stateSequence(width: Int, steps: Int, batch: Int) throws -> Matrix {
        let ld = paddedStride(width), rows = (steps + 1) * batch
        return Matrix(try backend.makeScratchBuffer(count: rows * ld), rows: rows, cols: width, ld: ld)
    }

    /// (B, width) scratch.
    private func stateBuffer(width: Int, _ batch: Int) throws -> Matrix {
        Matrix(try backend.makeScratchBuffer(count: batch * width), rows: batch, cols: width)
    }

    /// Row `row` of an (L*D, B, N) state tensor as a (B, N) matrix.
    private func stateRowView(_ state: Tensor, _ row: Int) -> Matrix {
        let batch = state.shape[1], hidden = state.shape[2]
        return Matrix(state.buffer, offset: row * batch * hidden, rows: batch, cols: hidden)
    }

    /// Copies row `row` of an optional (L*D, B, H) state into `dst`, or zeroes `dst`.
    private func initialState(_ state: Tensor?, row: Int, into dst: Matrix) throws {
        if let state {
            try backend.copy(stateRowView(state, row), to: dst)
        } else {
            try backend.fill(dst, value: 0)
        }
    }

    /// A (T, B, F) or batch-first (B, T, F) tensor as a time-major (T*B, F) matrix (copied only when
    /// batch-first).
    private func timeMajor(_ tensor: Tensor, steps: Int, batch: Int) throws -> Matrix {
        let features = tensor.shape[2]
        guard descriptor.batchFirst else { return tensor.matrix }
        let dst = Matrix(try backend.makeScratchBuffer(count: steps * batch * features), rows: steps * batch, cols: features)
        // Time step t of every sequence is a (B, F) matrix with row stride T*F in the batch-first tensor.
        for t in 0..<steps {
            let src = Matrix(tensor.buffer, offset: t * features, rows: batch, cols: features, ld: steps * features)
            try backend.copy(src, to: dst.rows(t * batch, batch))
        }
        return dst
    }

    /// A time-major (T*B, F) matrix as a tensor in the user's layout.
    private func userLayout(_ matrix: Matrix, steps: Int, batch: Int) throws -> Tensor {
        let features = matrix.cols
        guard descriptor.batchFirst else { return Tensor(shape: [steps, batch, features], buffer: matrix.buffer) }
        let dst = try backend.makeScratchBuffer(count: steps * batch * features)
        for t in 0..<steps {
            let view = Matrix(dst, offset: t * features, rows: batch, cols: features, ld: steps * features)
            try backend.copy(matrix.rows(t * batch, batch), to: view)
        }
        return Tensor(shape: [batch, steps, features], buffer: dst)
    }
}

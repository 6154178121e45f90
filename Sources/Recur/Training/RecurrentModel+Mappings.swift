/// The classic sequence mappings, forward beside backward:
/// - many-to-many (a prediction per step: language models, tagging): `forwardSequence`
/// - many-to-one (a prediction from each sequence's final state: classification): `forwardFinal`
/// - one-to-many (generation) builds on many-to-many one step at a time (Sampler).
extension RecurrentModel {
    /// A forward's results and what its backward needs.
    public struct Forward {
        /// (T*B, outputs) for many-to-many, (B, outputs) for many-to-one.
        public let predictions: Tensor
        /// The state after the last step, to carry into the next chunk or step.
        public let state: RecurrentState
        let input: SequenceInput
        let embedded: Tensor
        let rnnForward: RNNForward
        /// (T*B, D*H) or (B, D*H): what the head read.
        let headInput: Tensor
        let steps: Int
        let batch: Int
    }

    // MARK: Many-to-many

    /// Predictions at every step: input (T, B) tokens or (T, B, I) features -> (T*B, outputs), time-major
    /// (batch-first: (B, T) or (B, T, I) -> (B*T, outputs), batch-major).
    public func forwardSequence(_ input: SequenceInput, state: RecurrentState? = nil, lengths: [Int]? = nil,
                                training: Bool = true, dropoutSeed: UInt32? = nil) throws -> Forward {
        let (embedded, steps, batch) = try embed(input)
        let result = try rnn.forward(embedded, h0: state?.h, c0: state?.c, lengths: lengths, training: training,
                                     dropoutSeed: dropoutSeed)
        let output = result.output.matrix
        let headInput = Tensor(shape: [output.rows, output.cols], buffer: result.output.buffer)
        let predictions = try head.forward(headInput)
        return Forward(predictions: predictions, state: RecurrentState(h: result.hN, c: result.cN), input: input,
                       embedded: embedded, rnnForward: result, headInput: headInput, steps: steps, batch: batch)
    }

    /// Accumulates every parameter's gradient from d(loss)/d(predictions) (T*B, outputs), plus
    /// `stateGradient`, d(loss)/d(the final state), when the final state fed something else.
    /// Returns d(loss)/d(the initial state), (L*D, B, H) each: for whoever made that state (an
    /// encoder, `backwardEncoding`); zero-state forwards may ignore it.
    @discardableResult
    public func backwardSequence(_ forward: Forward, gradient: Tensor, stateGradient: RecurrentState? = nil) throws -> RecurrentState {
        let dOutput = try head.backward(forward.headInput, gradient: gradient)
        let gradOutput = Tensor(shape: forward.rnnForward.output.shape, buffer: dOutput.buffer)
        let gradients = try rnn.backward(forward.rnnForward, gradOutput: gradOutput, gradHN: stateGradient?.h,
                                         gradCN: stateGradient?.c, inputGradient: embedding != nil)
        try backwardEmbedding(forward.input, gradients.input)
        return RecurrentState(h: gradients.h0, c: gradients.c0)
    }

    // MARK: Many-to-one

    /// One prediction per sequence from its final state (the top layer's h_n, both directions
    /// concatenated when bidirectional; with lengths, each sequence's own last step): (B, outputs).
    public func forwardFinal(_ input: SequenceInput, state: RecurrentState? = nil, lengths: [Int]? = nil,
                             training: Bool = true, dropoutSeed: UInt32? = nil) throws -> Forward {
        let (embedded, steps, batch) = try embed(input)
        let result = try rnn.forward(embedded, h0: state?.h, c0: state?.c, lengths: lengths, training: training,
                                     dropoutSeed: dropoutSeed)
        // h is P wide per direction with a projection.
        let d = rnn.descriptor, hidden = d.stateSize
        let headInput = try backend.zeros([batch, d.outputSize])
        for direction in 0..<d.directions {
            let row = (d.numLayers - 1) * d.directions + direction
            try backend.copy(Matrix(result.hN.buffer, offset: row * batch * hidden, rows: batch, cols: hidden),
                             to: headInput.matrix.columns(direction * hidden, hidden))
        }
        let predictions = try head.forward(headInput)
        return Forward(predictions: predictions, state: RecurrentState(h: result.hN, c: result.cN), input: input,
                       embedded: embedded, rnnForward: result, headInput: headInput, steps: steps, batch: batch)
    }

    /// Accumulates every parameter's gradient from d(loss)/d(predictions) (B, outputs), plus
    /// `stateGradient` (d(loss)/d(the final state)) when given; returns d(loss)/d(the initial state).
    @discardableResult
    public func backwardFinal(_ forward: Forward, gradient: Tensor, stateGradient: RecurrentState? = nil) throws -> RecurrentState {
        let dHead = try head.backward(forward.headInput, gradient: gradient)
        let d = rnn.descriptor, hidden = d.stateSize, batch = forward.batch
        let gradHN = try backend.zeros([d.stateCount, batch, hidden])
        for direction in 0..<d.directions {
            let row = (d.numLayers - 1) * d.directions + direction
            try backend.copy(dHead.matrix.columns(direction * hidden, hidden),
                             to: Matrix(gradHN.buffer, offset: row * batch * hidden, rows: batch, cols: hidden))
        }
        if let stateGradient { try backend.axpy(alpha: 1, try stateMatrix(stateGradient.h, like: gradHN), gradHN.matrix) }
        let gradients = try rnn.backward(
            forward.rnnForward, gradOutput: nil, gradHN: gradHN, gradCN: stateGradient?.c, inputGradient: embedding != nil)
        try backwardEmbedding(forward.input, gradients.input)
        return RecurrentState(h: gradients.h0, c: gradients.c0)
    }

    // MARK: Encoder (many-to-state)

    /// An encoder's forward: the stack over the input, no head; `state` is each sequence's final
    /// state, to start a decoder (`forwardSequence(_:state:...)`) from.
    public struct Encoding {
        /// Each sequence's final state (shapes as `RecurrentState`): a decoder's initial state.
        public let state: RecurrentState
        let input: SequenceInput
        let rnnForward: RNNForward
    }

    /// Encodes `input` into its final state ((L*D, B, H) each; with lengths, each sequence's own last step).
    public func encode(_ input: SequenceInput, lengths: [Int]? = nil, training: Bool = true,
                       dropoutSeed: UInt32? = nil) throws -> Encoding {
        let (embedded, _, _) = try embed(input)
        let result = try rnn.forward(embedded, lengths: lengths, training: training, dropoutSeed: dropoutSeed)
        return Encoding(state: RecurrentState(h: result.hN, c: result.cN), input: input, rnnForward: result)
    }

    /// Accumulates the encoder's gradients from d(loss)/d(its final state): what the decoder's
    /// backward returned for its initial state. Returns d(loss)/d(the encoder's own initial state).
    @discardableResult
    public func backwardEncoding(_ encoding: Encoding, stateGradient: RecurrentState) throws -> RecurrentState {
        let gradients = try rnn.backward(encoding.rnnForward, gradOutput: nil, gradHN: stateGradient.h, gradCN: stateGradient.c,
                                         inputGradient: embedding != nil)
        try backwardEmbedding(encoding.input, gradients.input)
        return RecurrentState(h: gradients.h0, c: gradients.c0)
    }

    /// A state gradient as the (L*D*B, H) matrix `like` is, or a shape error that says both.
    private func stateMatrix(_ tensor: Tensor, like reference: Tensor) throws -> Matrix {
        guard tensor.shape == reference.shape else {
            throw RecurError.shapeMismatch(tensor: "state gradient", actual: tensor.shape, expected: reference.shape)
        }
        return tensor.matrix
    }

    // MARK: Shared

    /// The RNN's input (T, B, I): embedded tokens or the features themselves.
    private func embed(_ input: SequenceInput) throws -> (Tensor, steps: Int, batch: Int) {
        // Batch-first inputs are (B, T[, I]); the layer reads the embedding's rows in the same order.
        let batchFirst = configuration.batchFirst
        let layout = batchFirst ? "(batch, time" : "(time, batch"
        switch input {
        case .tokens(let tokens):
            guard let embedding else {
                throw RecurError.invalidValue("this model reads float features, not tokens")
            }
            guard tokens.shape.count == 2 else {
                throw RecurError.invalidValue("tokens have shape \(tokens.shape), expected \(layout))")
            }
            return (try embedding.forward(tokens),
                    tokens.shape[batchFirst ? 1 : 0], tokens.shape[batchFirst ? 0 : 1])
        case .features(let features):
            guard embedding == nil else {
                throw RecurError.invalidValue("this model reads token ids through its embedding, not features")
            }
            guard features.shape.count == 3 else {
                throw RecurError.invalidValue("features have shape \(features.shape), expected \(layout), features)")
            }
            return (features, features.shape[batchFirst ? 1 : 0], features.shape[batchFirst ? 0 : 1])
        }
    }

    /// The embedding's gradient from the RNN input's (computed only when there is an embedding).
    private func backwardEmbedding(_ input: SequenceInput, _ gradInput: Tensor?) throws {
        guard let embedding, let gradInput, case .tokens(let tokens) = input else { return }
        try embedding.backward(tokens, gradient: gradInput)
    }
}

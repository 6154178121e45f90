/// Sequence-to-sequence training with teacher forcing: an encoder reads the source into its final
/// state, a decoder starts from that state and predicts the target one step at a time, fed the
/// true previous token; the decoder's gradient of its initial state flows back into the encoder,
/// so both train. Clipping covers both models' gradients together, and one optimizer updates both.
public final class EncoderDecoderTrainer {
    /// Reads the source into the final state the decoder starts from.
    public let encoder: RecurrentModel
    /// Predicts the target from the encoder's state, fed the true previous token.
    public let decoder: RecurrentModel
    /// Updates both models' blocks together, once per step; its `step` count drives the schedule.
    public let optimizer: Optimizer
    /// Scales the optimizer's base learning rate at each update.
    public var schedule: LearningRateSchedule
    /// clip_grad_norm_'s max_norm over both models, or nil for none (the norm is still measured).
    public var clipNorm: Float?
    /// clip_grad_value_'s clip_value, applied before the norm is measured; nil for none.
    public var clipValue: Float?

    /// The encoder's final state must fit the decoder's initial state: the same cell, layers,
    /// directions and hidden size.
    public init(encoder: RecurrentModel, decoder: RecurrentModel, optimizer: Optimizer,
                schedule: LearningRateSchedule = .constant, clipNorm: Float? = nil, clipValue: Float? = nil) throws {
        let e = encoder.configuration, d = decoder.configuration
        guard e.mode == d.mode, e.numLayers == d.numLayers, e.bidirectional == d.bidirectional, e.hiddenSize == d.hiddenSize,
              e.projectionSize == d.projectionSize else {
            throw RecurError.invalidConfiguration(
                "the encoder's final state (\(e.mode.rawValue), \(e.numLayers) layers x \(e.hiddenSize)\(e.bidirectional ? ", bidirectional" : "")) "
                    + "does not fit the decoder's initial state (\(d.mode.rawValue), \(d.numLayers) layers x \(d.hiddenSize)"
                    + "\(d.bidirectional ? ", bidirectional" : ""))")
        }
        guard encoder.backend === decoder.backend else {
            throw RecurError.invalidConfiguration("the encoder and the decoder must be on the same backend")
        }
        self.encoder = encoder
        self.decoder = decoder
        self.optimizer = optimizer
        self.schedule = schedule
        self.clipNorm = clipNorm
        self.clipValue = clipValue
    }

    /// Every parameter block of both models.
    public var blocks: [any ParameterBlock] { encoder.blocks + decoder.blocks }

    /// One step. source (S, B) with `sourceLengths`; decoderInput (T, B): the start token, then the
    /// target's tokens but the last; targets (T*B, time-major): the target's tokens then the stop
    /// token, negative past a target's end (ignored). The loss is the mean cross-entropy over the
    /// targets kept.
    public func step(source: SequenceInput, sourceLengths: [Int]? = nil, decoderInput: SequenceInput,
                     targets: [Int32]) throws -> SequenceTrainer.Step {
        try encoder.zeroGradients()
        try decoder.zeroGradients()
        let encoding = try encoder.encode(source, lengths: sourceLengths, training: true)
        let forward = try decoder.forwardSequence(decoderInput, state: encoding.state, training: true)
        let logits = forward.predictions
        let tensor = try decoder.backend.indices(targets, shape: [targets.count], limit: logits.shape[1], allowNegative: true,
                                                 name: "targets")
        let kept = targets.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) }
        let (loss, gradient) = try CrossEntropyLoss.forwardBackward(logits, targets: tensor, validCount: kept, backend: decoder.backend)
        let stateGradient = try decoder.backwardSequence(forward, gradient: gradient)
        try encoder.backwardEncoding(encoding, stateGradient: stateGradient)
        if let clipValue { try GradientClipping.clipValues(blocks, limit: clipValue) }
        let norm = try GradientClipping.clip(blocks, maxNorm: clipNorm)!
        try optimizer.update(blocks, learningRate: schedule.rate(optimizer.configuration.learningRate, step: optimizer.step + 1))
        return SequenceTrainer.Step(loss: loss, gradientNorm: norm, state: forward.state)
    }
}

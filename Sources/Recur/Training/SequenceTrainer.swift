/// One training step, written once for every backend: zero the gradients, forward, loss fused with
/// its gradient, backward, the gradients' reduction across ranks (when data-parallel), clipping (by
/// value, then by the global norm), one optimizer update at the schedule's rate. The
/// loss and the gradient norm stay on the device until asked for, so the host never waits inside
/// a step.
public final class SequenceTrainer {
    /// The model trained: its gradients are zeroed, accumulated and applied every step.
    public let model: RecurrentModel
    /// Updates the model's blocks once per step; its `step` count drives the schedule.
    public let optimizer: Optimizer
    /// Scales the optimizer's base learning rate at each update.
    public var schedule: LearningRateSchedule
    /// clip_grad_norm_'s max_norm, or nil for no clipping (the norm is still measured).
    public var clipNorm: Float?
    /// clip_grad_value_'s clip_value, applied before the norm is measured; nil for none.
    public var clipValue: Float?
    /// Seeds dropout masks; advanced every step, so that masks differ between steps but a run repeats.
    public var dropoutSeed: UInt32
    /// Combines the gradients across trainers after each backward (data parallelism), or nil.
    public var gradientReduction: (any GradientReduction)?

    /// What a step returns; its loss and norm stay on the device until read.
    public struct Step {
        /// The mean loss of the step, before its update.
        public let loss: DeviceScalar
        /// The global gradient norm before norm clipping (after value clipping, when there is one).
        public let gradientNorm: DeviceScalar
        /// The state after the step's last time step, for truncated BPTT.
        public let state: RecurrentState
    }

    /// A trainer of `model` by `optimizer`; `seed` is the first dropout seed (`dropoutSeed`).
    public init(model: RecurrentModel, optimizer: Optimizer, schedule: LearningRateSchedule = .constant,
                clipNorm: Float? = nil, clipValue: Float? = nil, seed: UInt32 = 0) {
        self.model = model
        self.optimizer = optimizer
        self.schedule = schedule
        self.clipNorm = clipNorm
        self.clipValue = clipValue
        dropoutSeed = seed
    }

    /// Many-to-many classification (a language model, tagging): targets (T*B, time-major) are class
    /// ids, negative ones ignored; the loss is the mean cross-entropy over the others. `state` is
    /// carried in without gradient (truncated BPTT).
    public func stepClassifyingEachStep(_ input: SequenceInput, targets: [Int32], state: RecurrentState? = nil,
                                        lengths: [Int]? = nil) throws -> Step {
        try model.zeroGradients()
        let forward = try model.forwardSequence(input, state: state, lengths: lengths, training: true, dropoutSeed: nextSeed())
        let (loss, gradient) = try crossEntropy(forward.predictions, targets: targets)
        try model.backwardSequence(forward, gradient: gradient)
        return Step(loss: loss, gradientNorm: try update(), state: forward.state)
    }

    /// Many-to-one classification: one class id per sequence (B), from each sequence's final state.
    public func stepClassifyingSequences(_ input: SequenceInput, targets: [Int32], lengths: [Int]? = nil) throws -> Step {
        try model.zeroGradients()
        let forward = try model.forwardFinal(input, lengths: lengths, training: true, dropoutSeed: nextSeed())
        let (loss, gradient) = try crossEntropy(forward.predictions, targets: targets)
        try model.backwardFinal(forward, gradient: gradient)
        return Step(loss: loss, gradientNorm: try update(), state: forward.state)
    }

    /// Many-to-one regression: targets (B, outputs) row-major, mean squared error.
    public func stepRegressingSequences(_ input: SequenceInput, targets: [Float], lengths: [Int]? = nil) throws -> Step {
        try model.zeroGradients()
        let forward = try model.forwardFinal(input, lengths: lengths, training: true, dropoutSeed: nextSeed())
        let targetTensor = try model.backend.tensor(targets, shape: forward.predictions.shape)
        let (loss, gradient) = try MeanSquaredErrorLoss.forwardBackward(forward.predictions, targets: targetTensor, backend: model.backend)
        try model.backwardFinal(forward, gradient: gradient)
        return Step(loss: loss, gradientNorm: try update(), state: forward.state)
    }

    /// Many-to-many regression (time series): targets (T*B*C, time-major; batch-major for a
    /// batch-first model) for every position, a NaN
    /// marking a missing value; positions past a sequence's length are left out for you. The loss
    /// is the mean squared error over the values present.
    public func stepRegressingEachStep(_ input: SequenceInput, targets: [Float], state: RecurrentState? = nil,
                                       lengths: [Int]? = nil) throws -> Step {
        try model.zeroGradients()
        let forward = try model.forwardSequence(input, state: state, lengths: lengths, training: true, dropoutSeed: nextSeed())
        let (values, observed) = try maskedTargets(targets, like: forward.predictions, lengths: lengths)
        let (loss, gradient) = try MeanSquaredErrorLoss.forwardBackward(
            forward.predictions, targets: values, observedCount: observed, backend: model.backend)
        try model.backwardSequence(forward, gradient: gradient)
        return Step(loss: loss, gradientNorm: try update(), state: forward.state)
    }

    /// Many-to-many binary labels (sigmoid outputs, multi-label tagging): targets (T*B*C,
    /// time-major) in [0, 1], NaN for a missing label, positions past a length left out; the loss is
    /// the mean binary cross-entropy on the logits over the labels present.
    public func stepLabellingEachStep(_ input: SequenceInput, targets: [Float], state: RecurrentState? = nil,
                                      lengths: [Int]? = nil) throws -> Step {
        try model.zeroGradients()
        let forward = try model.forwardSequence(input, state: state, lengths: lengths, training: true, dropoutSeed: nextSeed())
        let (values, observed) = try maskedTargets(targets, like: forward.predictions, lengths: lengths)
        let (loss, gradient) = try BinaryCrossEntropyLoss.forwardBackward(
            forward.predictions, targets: values, observedCount: observed, backend: model.backend)
        try model.backwardSequence(forward, gradient: gradient)
        return Step(loss: loss, gradientNorm: try update(), state: forward.state)
    }

    /// Many-to-one binary labels (a yes/no or several per sequence): targets (B, outputs) row-major
    /// in [0, 1], NaN for a missing label; mean binary cross-entropy on the logits.
    public func stepLabellingSequences(_ input: SequenceInput, targets: [Float], lengths: [Int]? = nil) throws -> Step {
        try model.zeroGradients()
        let forward = try model.forwardFinal(input, lengths: lengths, training: true, dropoutSeed: nextSeed())
        let (values, observed) = try maskedTargets(targets, like: forward.predictions, lengths: nil)
        let (loss, gradient) = try BinaryCrossEntropyLoss.forwardBackward(
            forward.predictions, targets: values, observedCount: observed, backend: model.backend)
        try model.backwardFinal(forward, gradient: gradient)
        return Step(loss: loss, gradientNorm: try update(), state: forward.state)
    }

    /// Host targets shaped like `predictions` ((T*B, C) or (B, C)) on the device, past-length
    /// positions masked when `lengths` is given, with the count of values present.
    private func maskedTargets(_ targets: [Float], like predictionTensor: Tensor, lengths: [Int]?) throws -> (Tensor, Int) {
        let predictions = predictionTensor.matrix
        let batch = lengths?.count ?? predictions.rows
        guard batch > 0, predictions.rows % batch == 0 else {
            throw RecurError.shapeMismatch(tensor: "lengths", actual: [batch], expected: [predictions.rows])
        }
        let (values, observed) = try FloatTargets.maskingPastLengths(
            targets, steps: predictions.rows / batch, batch: batch, width: predictions.cols, lengths: lengths,
            batchFirst: model.configuration.batchFirst)
        return (try model.backend.tensor(values, shape: predictionTensor.shape), observed)
    }

    private func crossEntropy(_ logits: Tensor, targets: [Int32]) throws -> (DeviceScalar, Tensor) {
        let tensor = try model.backend.indices(targets, shape: [targets.count], limit: logits.shape.last ?? 0, allowNegative: true,
                                               name: "targets")
        let valid = targets.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) }
        return try CrossEntropyLoss.forwardBackward(logits, targets: tensor, validCount: valid, backend: model.backend)
    }

    private func update() throws -> DeviceScalar {
        try gradientReduction?.reduceGradients(model.blocks)
        if let clipValue { try GradientClipping.clipValues(model.blocks, limit: clipValue) }
        let norm = try GradientClipping.clip(model.blocks, maxNorm: clipNorm)!
        try optimizer.update(model.blocks, learningRate: schedule.rate(optimizer.configuration.learningRate, step: optimizer.step + 1))
        return norm
    }

    private func nextSeed() -> UInt32 {
        defer { dropoutSeed &+= 7919 }
        return dropoutSeed
    }
}

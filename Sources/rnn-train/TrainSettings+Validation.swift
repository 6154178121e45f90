import Recur

extension TrainSettings {
    /// Checks settings read from a checkpoint (`--resume`), which is untrusted: the same ranges the
    /// options have, and the sizes within Recur's `Limits`. A stored batch of 0 would stride by zero
    /// and a stored hidden size of 2^31 would overflow; both are refused here, naming the field.
    func validate() throws {
        func check(_ value: Int, _ field: String, maximum: Int) throws {
            guard value >= 1 else { throw RNNTrainFailure("\(field) must be at least 1, got \(value)") }
            guard value <= maximum else { throw RNNTrainFailure("\(field) is \(value), above the limit of \(maximum)") }
        }
        try check(embedding, "embedding", maximum: Limits.maxInputSize)
        try check(hidden, "hidden", maximum: Limits.maxHiddenSize)
        try check(layers, "layers", maximum: Limits.maxLayers)
        try check(seqLen, "seqLen", maximum: Limits.maxSequenceLength)
        try check(batch, "batch", maximum: Limits.maxBatchSize)
        guard (0..<1).contains(dropout) else { throw RNNTrainFailure("dropout must be in [0, 1), got \(dropout)") }
        guard clip >= 0, clip.isFinite else { throw RNNTrainFailure("clip must be at least 0 (0 = none), got \(clip)") }
        do {
            _ = try Optimizer(optimizer)
        } catch {
            throw RNNTrainFailure("optimizer: \(error)")
        }
        try schedule.validate()
    }
}

extension ScheduleSettings {
    func validate() throws {
        guard warmup >= 0, warmup <= Limits.maxTrainingSteps else {
            throw RNNTrainFailure("schedule warmup must be from 0 to \(Limits.maxTrainingSteps), got \(warmup)")
        }
        guard gamma > 0, gamma.isFinite else { throw RNNTrainFailure("schedule gamma must be positive, got \(gamma)") }
        switch kind {
        case .constant:
            break
        case .cosine:
            guard total > warmup, total <= Limits.maxTrainingSteps else {
                throw RNNTrainFailure("the cosine schedule's total (\(total)) must be above its warmup (\(warmup))")
            }
        case .step:
            guard every >= 1, every <= Limits.maxTrainingSteps else {
                throw RNNTrainFailure("the step schedule's every must be at least 1, got \(every)")
            }
        }
    }
}

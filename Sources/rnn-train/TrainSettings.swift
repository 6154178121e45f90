import Recur

/// Everything that decides a run's trajectory besides the data: the model's shape, batching, the
/// optimizer, the schedule, clipping, the seed. Stored in every char-LM checkpoint (as JSON) so that
/// `--resume` continues the same run with no option repeated; an option given again overrides it.
struct TrainSettings: Codable, Equatable {
    var cell: CellMode
    /// The embedding width (char-LM) or the feature count (built-in task).
    var embedding: Int
    var hidden: Int
    var layers: Int
    var dropout: Float
    var seqLen: Int
    var batch: Int
    var optimizer: Optimizer.Configuration
    var schedule: ScheduleSettings
    /// clip_grad_norm_'s max_norm; 0 for none.
    var clip: Float
    var seed: UInt64
    /// clip_grad_value_'s clip_value, applied before the norm clipping; nil for none (and in
    /// checkpoints written before it existed).
    var clipValue: Float? = nil
    /// An LSTM's projection size (PyTorch's proj_size); nil for none (and in checkpoints written
    /// before it existed).
    var projection: Int? = nil
    /// Layer-normalised cells (--cell ln-lstm, ln-gru); nil for plain ones (and in checkpoints
    /// written before they existed).
    var layerNorm: Bool? = nil
    /// Zoneout of the LSTM's or GRU's states (--zoneout); nil for none.
    var zoneout: Float? = nil
    /// The LSTM's cell clip (--cell-clip); nil for none.
    var cellClip: Float? = nil
    /// How the char-LM cuts its text into batches (--batching); nil in checkpoints written before
    /// the choice existed, which all read streams.
    var batching: TextBatching? = nil

    /// The cell in the run's report: "LSTM", "layer-normalised GRU".
    var cellName: String { (layerNorm == true ? "layer-normalised " : "") + cell.rawValue }

    var clipNorm: Float? { clip > 0 ? clip : nil }

    /// The learning rate at each step, from the schedule and the optimizer's base rate.
    var learningRateSchedule: LearningRateSchedule { schedule.resolved(base: optimizer.learningRate) }

    /// The char-LM's model: embedding -> stack -> head over the vocabulary.
    func languageModel(vocabularySize: Int) -> ModelConfiguration {
        .languageModel(vocabularySize: vocabularySize, embeddingSize: embedding, mode: cell, hiddenSize: hidden,
                       numLayers: layers, dropout: dropout, projectionSize: projection ?? 0, layerNorm: layerNorm ?? false,
                       zoneout: zoneout ?? 0, cellClip: cellClip ?? 0)
    }

    /// Dropout masks are seeded per step (SequenceTrainer advances its seed by 7919 a step); a run
    /// resumed at `step` starts where the uninterrupted run would be, so its masks are the same.
    func dropoutSeed(atStep step: Int) -> UInt32 {
        UInt32(truncatingIfNeeded: seed) &+ UInt32(truncatingIfNeeded: step) &* 7919
    }
}

/// How a character model's training text becomes batches.
enum TextBatching: String, Codable, CaseIterable {
    /// Truncated BPTT: B streams read the text on chunk after chunk, their state carried between
    /// chunks (`TruncatedBPTT`).
    case streams
    /// B windows at random offsets every step, each from zero state (`RandomWindows`).
    case windows
}

/// The schedule as the user gave it. Kept apart from LearningRateSchedule, which holds absolute
/// rates, so that a resumed run given another --lr schedules around the new rate.
struct ScheduleSettings: Codable, Equatable {
    enum Kind: String, Codable, CaseIterable { case constant, cosine, step }

    var kind: Kind = .constant
    /// Linear warm-up steps (constant and cosine).
    var warmup = 0
    /// Cosine: the step where the rate reaches 0.
    var total = 0
    /// Step decay: the rate is multiplied by `gamma` every `every` steps.
    var every = 0
    var gamma: Float = 0.1

    func resolved(base: Float) -> LearningRateSchedule {
        switch kind {
        case .constant:
            // A constant rate after a warm-up is a cosine whose floor is the rate itself.
            return warmup > 0 ? .cosine(warmup: warmup, total: warmup, minimum: base) : .constant
        case .cosine:
            return .cosine(warmup: warmup, total: total, minimum: 0)
        case .step:
            return .step(every: every, gamma: gamma)
        }
    }
}

extension TrainSettings {
    /// What a run uses where neither an option nor a resumed checkpoint says otherwise.
    static let charLMDefaults = TrainSettings(
        cell: .lstm, embedding: 64, hidden: 256, layers: 2, dropout: 0, seqLen: 100, batch: 32,
        optimizer: .adam(learningRate: 2e-3), schedule: ScheduleSettings(), clip: 5, seed: 0, batching: .windows)

    /// The built-in task: a small GRU learns addition within a minute on two cores.
    static let additionDefaults = TrainSettings(
        cell: .gru, embedding: BinaryAdditionTask.featureCount, hidden: 24, layers: 1, dropout: 0,
        seqLen: 9, batch: 64, optimizer: .adam(learningRate: 1e-2), schedule: ScheduleSettings(), clip: 5, seed: 0)

    /// The sequence-to-sequence task (`--task reverse`): a GRU encoder and decoder.
    static let reverseDefaults = TrainSettings(
        cell: .gru, embedding: 16, hidden: 64, layers: 1, dropout: 0,
        seqLen: 8, batch: 64, optimizer: .adam(learningRate: 1e-2), schedule: ScheduleSettings(), clip: 5, seed: 0)
}

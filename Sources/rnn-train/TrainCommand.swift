import ArgumentParser
import Foundation
import Recur
import RecurCLI

/// `rnn-train [train]`: the built-in binary-addition task, or a char-LM with --text. Model and
/// training options are optional rather than defaulted: a missing one falls back to the resumed
/// checkpoint's value, then to the task's default (TrainSettings), so that `--resume` needs no
/// option repeated and an option given again is known to be an override.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train on the built-in binary-addition task, or a character-level language model with --text.",
        discussion: """
            Defaults are for --text; the built-in task uses a GRU of 24, batch 64, Adam at 1e-2 and 1500 steps. \
            With --resume, an option left out takes the checkpoint's value.
            """
    )

    enum CellChoice: String, CaseIterable, ExpressibleByArgument {
        case lstm, gru, rnnTanh = "rnn-tanh", rnnReLU = "rnn-relu", lnLSTM = "ln-lstm", lnGRU = "ln-gru"
        var mode: CellMode {
            switch self {
            case .lstm, .lnLSTM: return .lstm
            case .gru, .lnGRU: return .gru
            case .rnnTanh: return .rnnTanh
            case .rnnReLU: return .rnnReLU
            }
        }
        /// The layer-normalised cells (`RNNDescriptor.layerNorm`).
        var layerNorm: Bool { self == .lnLSTM || self == .lnGRU }
        init(_ mode: CellMode, layerNorm: Bool = false) {
            switch mode {
            case .lstm: self = layerNorm ? .lnLSTM : .lstm
            case .gru: self = layerNorm ? .lnGRU : .gru
            case .rnnTanh: self = .rnnTanh
            case .rnnReLU: self = .rnnReLU
            }
        }
    }

    /// The built-in tasks, which need no files.
    enum BuiltInTask: String, CaseIterable, ExpressibleByArgument {
        /// Binary addition, bit by bit (many-to-many).
        case addition
        /// Reversing digit strings with an encoder-decoder (sequence-to-sequence).
        case reverse
    }

    enum OptimizerChoice: String, CaseIterable, ExpressibleByArgument {
        case adam, adamw, sgd, rmsprop, adagrad
        var kind: Optimizer.Kind { Optimizer.Kind(rawValue: rawValue)! }
    }

    @Option(help: ArgumentHelp("Train a character-level language model of this UTF-8 text (default: the built-in task).", valueName: "file"))
    var text: String?
    @Option(help: "The built-in task without --text: addition (default) or reverse (sequence-to-sequence; a GRU of 64, Adam at 1e-2 with a cosine decay, 2000 steps).")
    var task: BuiltInTask?

    // MARK: Model

    @Option(help: "The recurrent cell (default lstm; ln-lstm and ln-gru are layer-normalised).")
    var cell: CellChoice?
    @Option(help: "Embedding width (default 64).")
    var embedding: Int?
    @Option(help: "Hidden size (default 256).")
    var hidden: Int?
    @Option(help: "Stacked layers (default 2).")
    var layers: Int?
    @Option(help: "Dropout between layers while training (default 0).")
    var dropout: Float?
    @Option(help: ArgumentHelp("Project each LSTM layer's h to this many features (PyTorch's proj_size, below --hidden; 0 = none, the default).", valueName: "size"))
    var proj: Int?
    @Option(help: ArgumentHelp("Zoneout of the LSTM's or GRU's states while training: the probability that a unit keeps its previous value (default 0).", valueName: "p"))
    var zoneout: Float?
    @Option(name: .customLong("cell-clip"), help: ArgumentHelp("Clamp each LSTM step's cell state to [-c, c] (cuDNN's cellClip; default 0, none).", valueName: "c"))
    var cellClip: Float?

    // MARK: Data

    @Option(name: .customLong("seq-len"), help: "Characters per training chunk: the truncated-BPTT length (default 100).")
    var seqLen: Int?
    @Option(help: "Streams read in parallel (default 32).")
    var batch: Int?

    // MARK: Optimisation

    @Option(help: "The optimizer (default adam).")
    var optimizer: OptimizerChoice?
    @Option(help: "Learning rate (default 2e-3).")
    var lr: Float?
    @Option(help: "SGD or RMSprop momentum (default 0).")
    var momentum: Float?
    @Option(name: .customLong("weight-decay"), help: "Weight decay (default 0; 0.01 for adamw).")
    var weightDecay: Float?
    @Option(help: "Clip the global gradient norm to this (default 5; 0 = no clipping).")
    var clip: Float?
    @Option(name: .customLong("clip-value"), help: "Clamp every gradient element to [-v, v] before the norm clipping (default none; 0 = none).")
    var clipValue: Float?
    @Option(help: "The learning-rate schedule; cosine decays to 0 at --steps (default constant).")
    var schedule: ScheduleSettings.Kind?
    @Option(help: "Linear warm-up steps (constant and cosine schedules).")
    var warmup: Int?
    @Option(name: .customLong("decay-every"), help: "Step schedule: multiply the rate by --gamma every N steps (default a third of --steps).")
    var decayEvery: Int?
    @Option(help: "Step schedule: the factor (default 0.1).")
    var gamma: Float?

    // MARK: Run

    @Option(help: "Train until this step (with --resume: the total, not the number of steps more; default 2000).")
    var steps: Int?
    @Option(help: "Stop after this many minutes of training (with --steps, whichever comes first).")
    var minutes: Double?
    @Option(help: "auto: an OpenCL GPU when there is one, else the CPU backend (faster than a CPU OpenCL device such as POCL).")
    var backend: BackendChoice = .auto
    @Option(help: "The OpenCL device: an index or part of a name (default RECUR_DEVICE, else the first GPU, else the first CPU device).")
    var device: String?
    @Option(help: "Seeds the initial weights, dropout and the built-in task's numbers (default 0).")
    var seed: UInt64?
    @Option(help: "How the text becomes batches: windows (random windows, each from zero state; default) or streams (truncated BPTT, state carried between chunks).")
    var batching: TextBatching?
    @Option(name: .customLong("eval-every"), help: "Validation loss and a sample every N steps (and at the end).")
    var evalEvery: Int = 100
    @Option(name: .customLong("checkpoint-every"), help: "A checkpoint every N steps (and at the end).")
    var checkpointEvery: Int = 500
    @Option(name: .customLong("log-every"), help: "A row of history.csv (mean training loss) every N steps.")
    var logEvery: Int = 10
    @Option(name: .customLong("val-batches"), help: "Batches of --batch x --seq-len validation characters per evaluation.")
    var valBatches: Int = 20
    @Option(name: .customLong("sample-length"), help: "Characters of the sample shown at each evaluation.")
    var sampleLength: Int = 200
    @Option(help: ArgumentHelp("Where checkpoint.safetensors, history.csv and history.svg go.", valueName: "dir"))
    var out: String = "rnn-train-out"
    @Option(help: ArgumentHelp("Continue from this checkpoint: parameters, optimizer state, step and data position.", valueName: "checkpoint"))
    var resume: String?

    func validate() throws {
        func positive(_ value: Int?, _ name: String) throws {
            if let value, value < 1 { throw ValidationError("--\(name) must be at least 1, got \(value)") }
        }
        try positive(embedding, "embedding"); try positive(hidden, "hidden"); try positive(layers, "layers")
        try positive(seqLen, "seq-len"); try positive(batch, "batch"); try positive(steps, "steps")
        try positive(decayEvery, "decay-every"); try positive(evalEvery, "eval-every")
        try positive(checkpointEvery, "checkpoint-every"); try positive(logEvery, "log-every")
        try positive(valBatches, "val-batches")
        // Recur's Limits, named by option: the library's own message would name the descriptor field.
        func limited(_ value: Int?, _ name: String, _ maximum: Int) throws {
            if let value, value > maximum {
                throw ValidationError("--\(name) is \(value), above the limit of \(maximum) (Recur's Limits)")
            }
        }
        try limited(embedding, "embedding", Limits.maxInputSize); try limited(hidden, "hidden", Limits.maxHiddenSize)
        try limited(layers, "layers", Limits.maxLayers); try limited(seqLen, "seq-len", Limits.maxSequenceLength)
        try limited(batch, "batch", Limits.maxBatchSize)
        if let dropout, !(0..<1).contains(dropout) { throw ValidationError("--dropout must be in [0, 1), got \(dropout)") }
        if let proj, proj < 0 { throw ValidationError("--proj must be at least 0 (0 = none), got \(proj)") }
        if let zoneout, !(0..<1).contains(zoneout) { throw ValidationError("--zoneout must be in [0, 1), got \(zoneout)") }
        if let cellClip, !(cellClip >= 0 && cellClip.isFinite) {
            throw ValidationError("--cell-clip must be at least 0 (0 = none), got \(cellClip)")
        }
        if let lr, !(lr > 0 && lr.isFinite) { throw ValidationError("--lr must be positive, got \(lr)") }
        if let momentum, !(momentum >= 0 && momentum.isFinite) { throw ValidationError("--momentum must be at least 0, got \(momentum)") }
        if let weightDecay, !(weightDecay >= 0 && weightDecay.isFinite) { throw ValidationError("--weight-decay must be at least 0, got \(weightDecay)") }
        if let clip, !(clip >= 0 && clip.isFinite) { throw ValidationError("--clip must be at least 0 (0 = none), got \(clip)") }
        if let clipValue, !(clipValue >= 0 && clipValue.isFinite) {
            throw ValidationError("--clip-value must be at least 0 (0 = none), got \(clipValue)")
        }
        if let warmup, warmup < 0 { throw ValidationError("--warmup must be at least 0, got \(warmup)") }
        if let gamma, !(gamma > 0 && gamma.isFinite) { throw ValidationError("--gamma must be positive, got \(gamma)") }
        if let minutes, !(minutes > 0 && minutes.isFinite) { throw ValidationError("--minutes must be positive, got \(minutes)") }
        if sampleLength < 0 { throw ValidationError("--sample-length must be at least 0, got \(sampleLength)") }
        if text == nil, resume != nil { throw ValidationError("--resume continues a --text run; give the text too") }
        if text != nil, task != nil { throw ValidationError("--task picks a built-in task; --text trains on a text instead") }
        if text == nil, batching != nil { throw ValidationError("--batching cuts a --text into batches; the built-in tasks make their own") }
    }

    /// The step to stop at, when the run has one (--minutes alone has none).
    func targetSteps(default fallback: Int) -> Int? {
        steps ?? (minutes == nil ? fallback : nil)
    }

    /// The run's settings: each option given, else the resumed checkpoint's value (`stored`, or its bare
    /// model configuration for a checkpoint written by other code), else `defaults`.
    func settings(defaults: TrainSettings, stored: TrainSettings?, storedModel: ModelConfiguration?, targetSteps: Int?) throws -> TrainSettings {
        let base = stored ?? storedModel.map { model in
            var settings = defaults
            settings.cell = model.mode; settings.embedding = model.inputSize; settings.hidden = model.hiddenSize
            settings.layers = model.numLayers; settings.dropout = model.dropout
            settings.projection = model.projectionSize > 0 ? model.projectionSize : nil
            settings.layerNorm = model.layerNorm ? true : nil
            settings.zoneout = model.zoneout > 0 ? model.zoneout : nil
            settings.cellClip = model.cellClip > 0 ? model.cellClip : nil
            return settings
        } ?? defaults
        var settings = base
        settings.cell = cell?.mode ?? base.cell
        settings.layerNorm = cell.map { $0.layerNorm ? true : nil } ?? base.layerNorm
        settings.zoneout = zoneout.map { $0 > 0 ? $0 : nil } ?? base.zoneout
        if settings.zoneout != nil, settings.cell != .lstm && settings.cell != .gru {
            throw ValidationError("--zoneout is for LSTM and GRU cells, not --cell \(settings.cellName)")
        }
        if settings.zoneout != nil, settings.projection != nil || proj.map({ $0 > 0 }) == true {
            throw ValidationError("--zoneout with --proj is not supported yet")
        }
        settings.cellClip = cellClip.map { $0 > 0 ? $0 : nil } ?? base.cellClip
        if settings.cellClip != nil, settings.cell != .lstm || settings.layerNorm == true {
            throw ValidationError("--cell-clip is for the plain LSTM, not --cell \(settings.cellName)")
        }
        if settings.cellClip != nil, settings.projection != nil || proj.map({ $0 > 0 }) == true {
            throw ValidationError("--cell-clip with --proj is not supported yet")
        }
        settings.embedding = embedding ?? base.embedding
        settings.hidden = hidden ?? base.hidden
        settings.layers = layers ?? base.layers
        settings.dropout = dropout ?? base.dropout
        settings.projection = proj.map { $0 > 0 ? $0 : nil } ?? base.projection
        if let projection = settings.projection {
            // PyTorch's rules for proj_size, named by option.
            guard settings.cell == .lstm else {
                throw ValidationError("--proj projects an LSTM's h; --cell \(settings.cell.rawValue) has no projection")
            }
            guard settings.layerNorm != true else {
                throw ValidationError("--proj with a layer-normalised cell (\(settings.cellName)) is not supported yet")
            }
            guard projection < settings.hidden else {
                throw ValidationError("--proj must be below --hidden (\(settings.hidden)), got \(projection)")
            }
        }
        settings.seqLen = seqLen ?? base.seqLen
        settings.batch = batch ?? base.batch
        settings.clip = clip ?? base.clip
        settings.clipValue = clipValue.map { $0 > 0 ? $0 : nil } ?? base.clipValue
        settings.seed = seed ?? base.seed
        settings.batching = batching ?? base.batching

        // Another optimizer starts from its own defaults, not the stored one's rate and decay.
        let kind = optimizer?.kind ?? base.optimizer.kind
        let inherited = kind == base.optimizer.kind ? base.optimizer
            : Optimizer.Configuration(kind: kind, learningRate: base.optimizer.learningRate,
                                      weightDecay: kind == .adamW ? 0.01 : 0)
        var configuration = inherited
        configuration.learningRate = lr ?? inherited.learningRate
        configuration.momentum = momentum ?? inherited.momentum
        configuration.weightDecay = weightDecay ?? inherited.weightDecay
        if kind != .sgd, kind != .rmsprop, configuration.momentum != 0 {
            throw ValidationError("--momentum applies to --optimizer sgd and rmsprop (\(kind.rawValue) keeps no momentum buffer)")
        }
        settings.optimizer = configuration

        // A schedule option rebuilds the schedule; none keeps the stored one.
        if schedule != nil || warmup != nil || decayEvery != nil || gamma != nil {
            var spec = ScheduleSettings(kind: schedule ?? .constant, warmup: warmup ?? 0, gamma: gamma ?? 0.1)
            switch spec.kind {
            case .constant:
                break
            case .cosine:
                guard let targetSteps else {
                    throw ValidationError("--schedule cosine decays to 0 at --steps: give --steps")
                }
                guard spec.warmup < targetSteps else {
                    throw ValidationError("--warmup \(spec.warmup) leaves no steps of the \(targetSteps) to decay over")
                }
                spec.total = targetSteps
            case .step:
                guard spec.warmup == 0 else { throw ValidationError("--warmup applies to the constant and cosine schedules") }
                guard let every = decayEvery ?? targetSteps.map({ max(1, $0 / 3) }) else {
                    throw ValidationError("--schedule step needs --decay-every (or --steps to take a third of)")
                }
                spec.every = every
            }
            settings.schedule = spec
        }
        // The library's own checks (rate, betas): a clear message before anything is built.
        do {
            _ = try Optimizer(settings.optimizer)
        } catch {
            throw ValidationError("\(error)")
        }
        return settings
    }

    func run() throws {
        let started = ContinuousClock.now
        if let text {
            try CharLMJob(command: self, textPath: text).run()
        } else if task == .reverse {
            let target = targetSteps(default: ReverseJob.defaultSteps)
            var defaults = TrainSettings.reverseDefaults
            // Its default schedule decays to 0 over the run, whatever its length (--minutes alone: constant).
            if let target { defaults.schedule = ScheduleSettings(kind: .cosine, total: target) }
            let settings = try settings(defaults: defaults, stored: nil, storedModel: nil, targetSteps: target)
            try ReverseJob(settings: settings, steps: target, minutes: minutes, logEvery: logEvery,
                           backend: try backend.makeBackend(device: device)).run()
        } else {
            let target = targetSteps(default: AdditionJob.defaultSteps)
            let settings = try settings(defaults: .additionDefaults, stored: nil, storedModel: nil, targetSteps: target)
            try AdditionJob(settings: settings, steps: target, minutes: minutes, logEvery: logEvery,
                            backend: try backend.makeBackend(device: device)).run()
        }
        let elapsed = (ContinuousClock.now - started).components
        print(String(format: "wall time %.1f s", Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18))
    }
}

extension ScheduleSettings.Kind: ExpressibleByArgument {}
extension TextBatching: ExpressibleByArgument {}

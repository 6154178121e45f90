import Foundation
import Recur

/// A training case of shared/fixtures/FORMAT.md (`"kind": "train"`): embedding -> RNN -> head,
/// trained for a few steps on `tokens` with mean cross-entropy, global-norm clipping and one of
/// `Optimizer.Kind`'s optimizers, from given initial parameters. Losses, gradient norms and final parameters are compared.
public struct TrainFixture {
    /// The language model trained, from the metadata (`vocab`, `embedding_size`, `hidden_size`, ...).
    public let configuration: ModelConfiguration
    /// The optimizer and its hyperparameters, from the metadata (`optimizer`, `lr`, ...).
    public let optimizer: Optimizer.Configuration
    /// The max norm of global-norm clipping (`clip_max_norm`); nil: no clipping.
    public let clipNorm: Float?
    /// Training steps run (`steps`).
    public let steps: Int
    let file: SafeTensors

    /// Reads the case and validates its metadata and tensors against FORMAT.md.
    public init(_ file: SafeTensors) throws {
        self.file = file
        let meta = MetadataReader(file.metadata)
        guard let mode = CellMode(name: try meta.string("mode")) else {
            throw RecurError.invalidValue("fixture mode \(try meta.string("mode")) is not a cell")
        }
        configuration = .languageModel(
            vocabularySize: try meta.int("vocab"), embeddingSize: try meta.int("embedding_size"), mode: mode,
            hiddenSize: try meta.int("hidden_size"), numLayers: try meta.int("num_layers"))
        guard let kind = Optimizer.Kind(rawValue: try meta.string("optimizer").lowercased()) else {
            throw RecurError.invalidValue("fixture optimizer \(try meta.string("optimizer")) is not one of "
                + Optimizer.Kind.allCases.map(\.rawValue).joined(separator: ", "))
        }
        let lossName = try meta.string("loss")
        guard lossName == "cross_entropy_mean" else {
            throw RecurError.invalidValue("fixture loss \(lossName) is not supported (cross_entropy_mean)")
        }
        var optimizer = Optimizer.Configuration(kind: kind, learningRate: Float(try meta.double("lr")))
        optimizer.weightDecay = Float(try meta.optionalDouble("weight_decay") ?? 0)
        optimizer.momentum = Float(try meta.optionalDouble("momentum") ?? 0)
        optimizer.dampening = Float(try meta.optionalDouble("dampening") ?? 0)
        if file.metadata["nesterov"] != nil { optimizer.nesterov = try meta.bool("nesterov") }
        if let b1 = try meta.optionalDouble("beta1") { optimizer.beta1 = Float(b1) }
        if let b2 = try meta.optionalDouble("beta2") { optimizer.beta2 = Float(b2) }
        if let eps = try meta.optionalDouble("eps") { optimizer.epsilon = Float(eps) }
        if let alpha = try meta.optionalDouble("alpha") { optimizer.alpha = Float(alpha) }
        if file.metadata["centered"] != nil { optimizer.centered = try meta.bool("centered") }
        if let decay = try meta.optionalDouble("lr_decay") { optimizer.learningRateDecay = Float(decay) }
        if let initial = try meta.optionalDouble("initial_accumulator_value") { optimizer.initialAccumulatorValue = Float(initial) }
        _ = try Optimizer(optimizer)  // its own range checks, before anything runs
        self.optimizer = optimizer
        clipNorm = try meta.optionalDouble("clip_max_norm").map(Float.init)
        if let clipNorm, !(clipNorm > 0 && clipNorm.isFinite) {
            throw RecurError.invalidValue("fixture clip_max_norm must be positive, got \(clipNorm)")
        }
        steps = try meta.int("steps")
        try Limits.check(steps, "fixture steps", maximum: Limits.maxTrainingSteps)

        // The tokens: (T+1, B), each an index into the vocabulary, T and B as the metadata says when it does.
        let vocabulary = configuration.vocabularySize ?? 0
        try configuration.validate()
        let tensors = FixtureTensors(file: file)
        guard let tokens = try tensors.indices("tokens", rank: 2, range: 0...Int64(vocabulary - 1), required: true) else {
            throw RecurError.invalidValue("fixture has no tensor tokens")
        }
        let length = tokens.shape[0] - 1, batch = tokens.shape[1]
        try Limits.check(length, "the fixture's sequence length (rows of tokens - 1)", maximum: Limits.maxSequenceLength)
        try Limits.check(batch, "the fixture's batch (columns of tokens)", maximum: Limits.maxBatchSize)
        for (key, value) in [("seq_len", length), ("batch", batch)] where file.metadata[key] != nil {
            guard try meta.int(key) == value else {
                throw RecurError.invalidValue("fixture metadata \(key) = \(try meta.int(key)), but tokens has shape \(tokens.shape)")
            }
        }
        try Limits.checkMemory(try configuration.memoryEstimate(batch: batch, steps: length, training: true),
                               for: "the fixture's model")
        for (name, shape) in try configuration.parameterShapes() {
            try tensors.require("init." + name, shape)
            try tensors.require("final." + name, shape)
        }
        try tensors.require("losses", [steps])
        try tensors.require("grad_norms", [steps])
        try tensors.allFinite()
    }

    /// Trains from the file's initial parameters on `backend`; compares losses, gradient norms and final parameters.
    public func run(on backend: any Backend, tolerance: Tolerance = .training) throws -> [Comparison] {
        let model = try RecurrentModel(configuration, backend: backend)
        for (name, _) in model.parameterNames { try model.setParameter(name, try file.floats("init." + name)) }
        let trainer = SequenceTrainer(model: model, optimizer: try Optimizer(optimizer), clipNorm: clipNorm)

        let tokensShape = try file.entry("tokens").shape
        let tokens = try file.int64s("tokens").map { Int32($0) }
        let steps1 = tokensShape[0], batch = tokensShape[1], length = steps1 - 1
        let vocabulary = configuration.vocabularySize ?? 0
        let inputs = try backend.indices(Array(tokens[0..<(length * batch)]), shape: [length, batch], limit: vocabulary, name: "tokens")
        let targets = Array(tokens[batch..<(steps1 * batch)])

        var losses: [Float] = [], norms: [Float] = []
        for _ in 0..<steps {
            let step = try trainer.stepClassifyingEachStep(.tokens(inputs), targets: targets)
            losses.append(try step.loss.value())
            norms.append(try step.gradientNorm.value())
        }
        var comparisons = [
            Comparison(tensor: "losses", got: losses, expected: try file.floats("losses"), tolerance: tolerance),
            Comparison(tensor: "grad_norms", got: norms, expected: try file.floats("grad_norms"), tolerance: tolerance),
        ]
        for (name, _) in model.parameterNames {
            comparisons.append(Comparison(tensor: "final." + name, got: try model.parameter(name),
                                          expected: try file.floats("final." + name), tolerance: tolerance))
        }
        return comparisons
    }
}

import Foundation
import Recur

/// A training case of shared/fixtures/FORMAT.md (`"kind": "train"`): embedding -> RNN -> head,
/// trained for a few steps on `tokens` with mean cross-entropy, global-norm clipping and SGD or
/// Adam, from given initial parameters. Losses, gradient norms and final parameters are compared.
public struct TrainFixture {
    public let configuration: ModelConfiguration
    public let optimizer: Optimizer.Configuration
    public let clipNorm: Float?
    public let steps: Int
    let file: SafeTensors

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
            throw RecurError.invalidValue("fixture optimizer \(try meta.string("optimizer")) is not sgd, adam or adamw")
        }
        let lossName = try meta.string("loss")
        guard lossName == "cross_entropy_mean" else {
            throw RecurError.invalidValue("fixture loss \(lossName) is not supported (cross_entropy_mean)")
        }
        var optimizer = Optimizer.Configuration(kind: kind, learningRate: Float(try meta.double("lr")))
        optimizer.weightDecay = Float(file.metadata["weight_decay"].flatMap(Double.init) ?? 0)
        optimizer.momentum = Float(file.metadata["momentum"].flatMap(Double.init) ?? 0)
        optimizer.dampening = Float(file.metadata["dampening"].flatMap(Double.init) ?? 0)
        optimizer.nesterov = file.metadata["nesterov"] == "true"
        if let b1 = file.metadata["beta1"].flatMap(Double.init) { optimizer.beta1 = Float(b1) }
        if let b2 = file.metadata["beta2"].flatMap(Double.init) { optimizer.beta2 = Float(b2) }
        if let eps = file.metadata["eps"].flatMap(Double.init) { optimizer.epsilon = Float(eps) }
        self.optimizer = optimizer
        clipNorm = file.metadata["clip_max_norm"].flatMap(Double.init).map(Float.init)
        steps = try meta.int("steps")
    }

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

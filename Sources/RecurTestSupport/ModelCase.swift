import Foundation
import Recur
import RecurFixtures

/// A whole-model configuration for the conformance suite: embedding or features, a recurrent stack
/// (with dropout between layers), a head, and one of the losses the trainer offers.
public struct ModelCase: CustomStringConvertible, Sendable {
    public enum Objective: String, Sendable {
        /// Many-to-many cross-entropy over tokens (a language model), some targets ignored.
        case tokensEachStep
        /// Many-to-one cross-entropy over classes from the final state, variable lengths.
        case classifySequences
        /// Many-to-one mean squared error from the final state.
        case regressSequences
        /// Many-to-many mean squared error (a time series), variable lengths, some values missing (NaN).
        case regressEachStep
        /// Many-to-one binary cross-entropy on logits (multi-label), some labels missing (NaN).
        case labelSequences
    }

    public let configuration: ModelConfiguration
    public let objective: Objective
    public let steps: Int
    public let batch: Int
    public let seed: UInt64

    public var description: String {
        let c = configuration
        return "\(objective.rawValue) \(c.mode.rawValue) L=\(c.numLayers) H=\(c.hiddenSize)"
            + (c.projectionSize > 0 ? " P=\(c.projectionSize)" : "") + (c.layerNorm ? " layer-norm" : "")
            + (c.bidirectional ? " bi" : "") + (c.dropout > 0 ? " dropout=\(c.dropout)" : "") + (c.bias ? "" : " no-bias")
    }

    public static let all: [ModelCase] = [
        ModelCase(configuration: .languageModel(vocabularySize: 7, embeddingSize: 3, mode: .lstm, hiddenSize: 5, numLayers: 2),
                  objective: .tokensEachStep, steps: 4, batch: 3, seed: 1),
        ModelCase(configuration: ModelConfiguration(vocabularySize: 9, inputSize: 4, mode: .gru, hiddenSize: 6, numLayers: 2,
                                                    bidirectional: true, outputSize: 3),
                  objective: .classifySequences, steps: 5, batch: 4, seed: 2),
        ModelCase(configuration: ModelConfiguration(vocabularySize: nil, inputSize: 2, mode: .rnnTanh, hiddenSize: 5, numLayers: 1,
                                                    outputSize: 2),
                  objective: .regressSequences, steps: 6, batch: 3, seed: 3),
        ModelCase(configuration: ModelConfiguration(vocabularySize: nil, inputSize: 3, mode: .lstm, hiddenSize: 4, numLayers: 3,
                                                    dropout: 0.3, outputSize: 1),
                  objective: .regressSequences, steps: 4, batch: 2, seed: 4),
        ModelCase(configuration: ModelConfiguration(vocabularySize: nil, inputSize: 2, mode: .gru, hiddenSize: 5, numLayers: 2,
                                                    bidirectional: true, bias: false, outputSize: 2),
                  objective: .regressEachStep, steps: 5, batch: 3, seed: 5),
        ModelCase(configuration: ModelConfiguration(vocabularySize: 6, inputSize: 3, mode: .lstm, hiddenSize: 4, numLayers: 1,
                                                    outputSize: 3),
                  objective: .labelSequences, steps: 4, batch: 3, seed: 6),
        // A projected LSTM (proj_size): the head reads P features per direction of the final state.
        ModelCase(configuration: ModelConfiguration(vocabularySize: 8, inputSize: 3, mode: .lstm, hiddenSize: 5, numLayers: 2,
                                                    bidirectional: true, projectionSize: 3, outputSize: 4),
                  objective: .classifySequences, steps: 5, batch: 3, seed: 7),
        ModelCase(configuration: .languageModel(vocabularySize: 6, embeddingSize: 4, mode: .lstm, hiddenSize: 6, numLayers: 1,
                                                projectionSize: 2),
                  objective: .tokensEachStep, steps: 4, batch: 2, seed: 8),
        // Layer-normalised cells: their gains and the LSTM's cell-state bias among the parameters checked.
        ModelCase(configuration: .languageModel(vocabularySize: 7, embeddingSize: 3, mode: .lstm, hiddenSize: 5, numLayers: 2,
                                                layerNorm: true),
                  objective: .tokensEachStep, steps: 4, batch: 3, seed: 9),
        ModelCase(configuration: ModelConfiguration(vocabularySize: nil, inputSize: 2, mode: .gru, hiddenSize: 5, numLayers: 1,
                                                    bidirectional: true, layerNorm: true, outputSize: 2),
                  objective: .regressEachStep, steps: 5, batch: 3, seed: 10),
    ]

    /// The data of the case: inputs, targets, lengths.
    struct Data {
        let tokens: [Int32]?
        let features: [Float]?
        let classTargets: [Int32]
        let valueTargets: [Float]
        let lengths: [Int]?
    }

    func data() -> Data {
        var generator = SeededGenerator(seed: seed &+ 1000)
        let c = configuration
        let tokens = c.vocabularySize.map { v in (0..<(steps * batch)).map { _ in Int32(Int.random(in: 0..<v, using: &generator)) } }
        let features = c.vocabularySize == nil ? (0..<(steps * batch * c.inputSize)).map { _ in generator.normal() } : nil
        switch objective {
        case .tokensEachStep:
            // Every fifth position ignored, as padding would be.
            let targets = (0..<(steps * batch)).map { i in i % 5 == 4 ? -1 : Int32(Int.random(in: 0..<c.outputSize, using: &generator)) }
            return Data(tokens: tokens, features: features, classTargets: targets, valueTargets: [], lengths: nil)
        case .classifySequences:
            let targets = (0..<batch).map { _ in Int32(Int.random(in: 0..<c.outputSize, using: &generator)) }
            let lengths = (0..<batch).map { b in b == 0 ? steps : Int.random(in: 1...steps, using: &generator) }
            return Data(tokens: tokens, features: features, classTargets: targets, valueTargets: [], lengths: lengths)
        case .regressSequences:
            let targets = (0..<(batch * c.outputSize)).map { _ in generator.normal() }
            return Data(tokens: tokens, features: features, classTargets: [], valueTargets: targets, lengths: nil)
        case .regressEachStep:
            // Every seventh value missing, and sequence 1 shorter (its later positions masked).
            let targets = (0..<(steps * batch * c.outputSize)).map { i in i % 7 == 3 ? Float.nan : generator.normal() }
            let lengths = (0..<batch).map { b in b == 1 ? steps - 2 : steps }
            return Data(tokens: tokens, features: features, classTargets: [], valueTargets: targets, lengths: lengths)
        case .labelSequences:
            // Zeros and ones, a soft label, one missing.
            var targets = (0..<(batch * c.outputSize)).map { _ in Float(Int.random(in: 0...1, using: &generator)) }
            targets[1] = 0.3
            targets[targets.count - 1] = .nan
            return Data(tokens: tokens, features: features, classTargets: [], valueTargets: targets, lengths: nil)
        }
    }

    /// The model on `backend` with the case's parameters, optionally one of them perturbed.
    func model(on backend: any Backend, perturb: (name: String, index: Int, delta: Float)? = nil) throws -> RecurrentModel {
        let model = try RecurrentModel(configuration, backend: backend, seed: seed)
        if let perturb {
            var values = try model.parameter(perturb.name)
            values[perturb.index] += perturb.delta
            try model.setParameter(perturb.name, values)
        }
        return model
    }

    /// Forward (and, with `backward`, backward) in training mode with a fixed dropout seed; the loss.
    func loss(_ model: RecurrentModel, backward: Bool) throws -> Double {
        let backend = model.backend
        let data = data()
        let input: SequenceInput = try data.tokens.map {
            .tokens(try backend.indices($0, shape: [steps, batch], limit: configuration.vocabularySize!))
        } ?? .features(try backend.tensor(data.features!, shape: [steps, batch, configuration.inputSize]))
        try model.zeroGradients()
        switch objective {
        case .tokensEachStep:
            let forward = try model.forwardSequence(input, training: true, dropoutSeed: 11)
            let targets = try backend.indices(data.classTargets, shape: [data.classTargets.count], limit: configuration.outputSize,
                                              allowNegative: true)
            let valid = data.classTargets.filter { $0 >= 0 }.count
            let (loss, gradient) = try CrossEntropyLoss.forwardBackward(forward.predictions, targets: targets, validCount: valid, backend: backend)
            if backward { try model.backwardSequence(forward, gradient: gradient) }
            return Double(try loss.value())
        case .classifySequences:
            let forward = try model.forwardFinal(input, lengths: data.lengths, training: true, dropoutSeed: 11)
            let targets = try backend.indices(data.classTargets, shape: [batch], limit: configuration.outputSize)
            let (loss, gradient) = try CrossEntropyLoss.forwardBackward(forward.predictions, targets: targets, validCount: batch, backend: backend)
            if backward { try model.backwardFinal(forward, gradient: gradient) }
            return Double(try loss.value())
        case .regressSequences:
            let forward = try model.forwardFinal(input, training: true, dropoutSeed: 11)
            let targets = try backend.tensor(data.valueTargets, shape: [batch, configuration.outputSize])
            let (loss, gradient) = try MeanSquaredErrorLoss.forwardBackward(forward.predictions, targets: targets, backend: backend)
            if backward { try model.backwardFinal(forward, gradient: gradient) }
            return Double(try loss.value())
        case .regressEachStep:
            let forward = try model.forwardSequence(input, lengths: data.lengths, training: true, dropoutSeed: 11)
            let (values, observed) = try FloatTargets.maskingPastLengths(
                data.valueTargets, steps: steps, batch: batch, width: configuration.outputSize, lengths: data.lengths)
            let targets = try backend.tensor(values, shape: [steps * batch, configuration.outputSize])
            let (loss, gradient) = try MeanSquaredErrorLoss.forwardBackward(
                forward.predictions, targets: targets, observedCount: observed, backend: backend)
            if backward { try model.backwardSequence(forward, gradient: gradient) }
            return Double(try loss.value())
        case .labelSequences:
            let forward = try model.forwardFinal(input, training: true, dropoutSeed: 11)
            let targets = try backend.tensor(data.valueTargets, shape: [batch, configuration.outputSize])
            let observed = data.valueTargets.filter { !$0.isNaN }.count
            let (loss, gradient) = try BinaryCrossEntropyLoss.forwardBackward(
                forward.predictions, targets: targets, observedCount: observed, backend: backend)
            if backward { try model.backwardFinal(forward, gradient: gradient) }
            return Double(try loss.value())
        }
    }
}

extension ConformanceSuite {
    /// Whole-model finite differences: `samples` entries of every parameter of every block
    /// (embedding, recurrent stack, head), through the case's loss, dropout masks held fixed.
    public func modelGradientCheck(_ testCase: ModelCase, samples: Int = 2) throws -> GradientCheckReport {
        let model = try testCase.model(on: backend)
        _ = try testCase.loss(model, backward: true)
        var generator = SeededGenerator(seed: testCase.seed &+ 5)
        let epsilon: Float = 3e-3
        var checks: [GradientCheckReport.Check] = []
        // The perturbed losses on the reference, as in `gradientCheck`; the unperturbed one once.
        let center = try testCase.loss(try testCase.model(on: reference), backward: false)
        for (name, shape) in model.parameterNames {
            let analytic = try model.gradient(name)
            for _ in 0..<samples {
                let index = Int.random(in: 0..<shape.reduce(1, *), using: &generator)
                func loss(_ delta: Float) throws -> Double {
                    try testCase.loss(try testCase.model(on: reference, perturb: (name, index, delta)), backward: false)
                }
                let plus = try loss(epsilon), minus = try loss(-epsilon)
                checks.append(.init(tensor: name, index: index, analytic: Double(analytic[index]),
                                    central: (plus - minus) / Double(2 * epsilon),
                                    oneSided: ((plus - center) / Double(epsilon), (center - minus) / Double(epsilon))))
            }
        }
        return GradientCheckReport(caseDescription: testCase.description, checks: checks)
    }

    /// The whole model's loss and every parameter gradient on the backend against the CPU reference
    /// (dropout masks included: the same seed draws the same mask everywhere).
    public func modelAgreement(_ testCase: ModelCase, tolerance: Tolerance = .layer) throws -> [Comparison] {
        let got = try testCase.model(on: backend), expected = try testCase.model(on: reference)
        let gotLoss = try testCase.loss(got, backward: true), expectedLoss = try testCase.loss(expected, backward: true)
        var comparisons = [Comparison(tensor: "loss", got: [Float(gotLoss)], expected: [Float(expectedLoss)], tolerance: tolerance)]
        for (name, _) in got.parameterNames {
            comparisons.append(Comparison(tensor: "grad." + name, got: try got.gradient(name), expected: try expected.gradient(name),
                                          tolerance: tolerance))
        }
        return comparisons
    }
}

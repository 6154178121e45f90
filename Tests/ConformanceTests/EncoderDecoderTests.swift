import Recur
import RecurFixtures
import RecurTestSupport
import Testing

/// The encoder-decoder gradient path on every backend: the decoder's gradient of its initial state,
/// passed to `backwardEncoding`, gives the encoder's parameters the gradients finite differences
/// of the decoder's loss measure; and every gradient agrees with the CPU reference.
@Suite struct EncoderDecoderConformance {
    struct Pair {
        let encoder: RecurrentModel
        let decoder: RecurrentModel
    }

    static let modes: [CellMode] = [.lstm, .gru]

    static func pair(_ mode: CellMode, on backend: any Backend, perturb: (encoder: Bool, name: String, index: Int, delta: Float)? = nil)
        throws -> Pair {
        let encoder = try RecurrentModel(ModelConfiguration(vocabularySize: 6, inputSize: 3, mode: mode, hiddenSize: 4, numLayers: 2,
                                                            outputSize: 1), backend: backend, seed: 21)
        let decoder = try RecurrentModel(.languageModel(vocabularySize: 5, embeddingSize: 3, mode: mode, hiddenSize: 4, numLayers: 2),
                                         backend: backend, seed: 22)
        if let perturb {
            let model = perturb.encoder ? encoder : decoder
            var values = try model.parameter(perturb.name)
            values[perturb.index] += perturb.delta
            try model.setParameter(perturb.name, values)
        }
        return Pair(encoder: encoder, decoder: decoder)
    }

    /// Teacher-forced cross-entropy of a fixed batch; with `backward`, every gradient of both models.
    static func loss(_ pair: Pair, backward: Bool) throws -> Double {
        let backend = pair.encoder.backend
        let source = try backend.indices([1, 2, 3, 4, 5, 0, 2, 1, 3, 0, 4, 5], shape: [4, 3], limit: 6)
        let input = try backend.indices([0, 1, 2, 3, 4, 0, 1, 2, 3], shape: [3, 3], limit: 5)
        let targets: [Int32] = [1, 2, 3, 4, -1, 1, 2, 3, 4]
        try pair.encoder.zeroGradients()
        try pair.decoder.zeroGradients()
        let encoding = try pair.encoder.encode(.tokens(source), lengths: [4, 2, 3], training: true)
        let forward = try pair.decoder.forwardSequence(.tokens(input), state: encoding.state, training: true)
        let tensor = try backend.indices(targets, shape: [9], limit: 5, allowNegative: true)
        let (loss, gradient) = try CrossEntropyLoss.forwardBackward(forward.predictions, targets: tensor, validCount: 8, backend: backend)
        if backward {
            let stateGradient = try pair.decoder.backwardSequence(forward, gradient: gradient)
            try pair.encoder.backwardEncoding(encoding, stateGradient: stateGradient)
        }
        return Double(try loss.value())
    }

    @Test("encoder and decoder gradients match finite differences", arguments: TestBackends.names, modes)
    func gradientsMatchFiniteDifferences(backend name: String, mode: CellMode) throws {
        let backend = try TestBackends.make(name)
        let pair = try Self.pair(mode, on: backend)
        _ = try Self.loss(pair, backward: true)
        // The perturbed losses on the reference, as `ConformanceSuite.gradientCheck` takes them.
        let reference = ConformanceSuite(backend: backend).reference
        let center = try Self.loss(try Self.pair(mode, on: reference), backward: false)
        var generator = SeededGenerator(seed: 77)
        let epsilon: Float = 3e-3
        var checks: [GradientCheckReport.Check] = []
        for (isEncoder, model) in [(true, pair.encoder), (false, pair.decoder)] {
            for (parameter, shape) in model.parameterNames where !(isEncoder && parameter.hasPrefix("head.")) {
                let analytic = try model.gradient(parameter)
                let index = Int.random(in: 0..<shape.reduce(1, *), using: &generator)
                func loss(_ delta: Float) throws -> Double {
                    try Self.loss(try Self.pair(mode, on: reference, perturb: (isEncoder, parameter, index, delta)), backward: false)
                }
                let plus = try loss(epsilon), minus = try loss(-epsilon)
                checks.append(.init(tensor: (isEncoder ? "encoder." : "decoder.") + parameter, index: index,
                                    analytic: Double(analytic[index]), central: (plus - minus) / Double(2 * epsilon),
                                    oneSided: ((plus - center) / Double(epsilon), (center - minus) / Double(epsilon))))
            }
        }
        let report = GradientCheckReport(caseDescription: "encoder-decoder \(mode.rawValue) on \(name)", checks: checks)
        #expect(report.passed, "\(report)")
        // The encoder's recurrent weights learn only through the state: their gradient is not zero.
        #expect(try pair.encoder.gradient("rnn.weight_hh_l0").contains { $0 != 0 })
    }

    @Test("encoder-decoder gradients agree with the CPU reference", arguments: TestBackends.names, modes)
    func gradientsAgreeWithTheCPU(backend name: String, mode: CellMode) throws {
        let got = try Self.pair(mode, on: try TestBackends.make(name)), expected = try Self.pair(mode, on: try TestBackends.make("cpu"))
        let gotLoss = try Self.loss(got, backward: true), expectedLoss = try Self.loss(expected, backward: true)
        #expect(abs(gotLoss - expectedLoss) < 1e-5)
        for (a, b) in [(got.encoder, expected.encoder), (got.decoder, expected.decoder)] {
            for (parameter, _) in a.parameterNames {
                let comparison = Comparison(tensor: parameter, got: try a.gradient(parameter), expected: try b.gradient(parameter),
                                            tolerance: .layer)
                #expect(comparison.passed, "\(parameter) max_abs \(comparison.maxAbsolute)")
            }
        }
    }

    @Test func anEncoderWhoseStateDoesNotFitTheDecoderIsRefused() throws {
        let backend = try TestBackends.make("cpu")
        let encoder = try RecurrentModel(ModelConfiguration(vocabularySize: 6, inputSize: 3, mode: .gru, hiddenSize: 5, numLayers: 1,
                                                            outputSize: 1), backend: backend)
        let decoder = try RecurrentModel(.languageModel(vocabularySize: 5, embeddingSize: 3, mode: .gru, hiddenSize: 4, numLayers: 1),
                                         backend: backend)
        #expect(throws: RecurError.self) {
            try EncoderDecoderTrainer(encoder: encoder, decoder: decoder, optimizer: try Optimizer(.adam(learningRate: 0.01)))
        }
    }
}

import Recur
import RecurTestSupport
import Testing

/// A `batchFirst` model is the time-major one with its inputs, predictions and targets transposed:
/// the same parameters give the same numbers, row b*T + t for t*B + b, and the same gradients
/// (per-step masking past each length included), on every backend.
@Suite struct BatchFirstModel {
    static let (steps, batch, features) = (5, 3, 2)

    static func pair(on backend: any Backend) throws -> (timeMajor: RecurrentModel, batchFirst: RecurrentModel) {
        var configuration = ModelConfiguration(vocabularySize: nil, inputSize: features, mode: .gru, hiddenSize: 4, numLayers: 2,
                                               bidirectional: true, outputSize: 2)
        let timeMajor = try RecurrentModel(configuration, backend: backend, seed: 31)
        configuration.batchFirst = true
        let batchFirst = try RecurrentModel(configuration, backend: backend, seed: 99)
        for (name, _) in timeMajor.parameterNames { try batchFirst.setParameter(name, try timeMajor.parameter(name)) }
        return (timeMajor, batchFirst)
    }

    /// (T, B, F) time-major values as (B, T, F) batch-major, or (T*B, C) rows as (B*T, C).
    static func transpose(_ values: [Float], outer: Int, inner: Int, width: Int) -> [Float] {
        var result: [Float] = []
        for i in 0..<inner {
            for o in 0..<outer {
                let start = (o * inner + i) * width
                result += values[start..<(start + width)]
            }
        }
        return result
    }

    @Test("a batch-first model computes the time-major one's numbers, transposed", arguments: TestBackends.names)
    func sameNumbersTransposed(backend name: String) throws {
        let backend = try TestBackends.make(name)
        let (timeMajor, batchFirst) = try Self.pair(on: backend)
        var generator = SeededGenerator(seed: 32)
        let x = (0..<(Self.steps * Self.batch * Self.features)).map { _ in generator.normal() }
        let targets = (0..<(Self.steps * Self.batch * 2)).map { i in i % 5 == 1 ? Float.nan : generator.normal() }
        let lengths = [5, 2, 4]

        let a = try SequenceTrainer(model: timeMajor, optimizer: try Optimizer(.sgd(learningRate: 0.1))).stepRegressingEachStep(
            .features(try backend.tensor(x, shape: [Self.steps, Self.batch, Self.features])), targets: targets, lengths: lengths)
        let b = try SequenceTrainer(model: batchFirst, optimizer: try Optimizer(.sgd(learningRate: 0.1))).stepRegressingEachStep(
            .features(try backend.tensor(Self.transpose(x, outer: Self.steps, inner: Self.batch, width: Self.features),
                                         shape: [Self.batch, Self.steps, Self.features])),
            targets: Self.transpose(targets, outer: Self.steps, inner: Self.batch, width: 2), lengths: lengths)
        let lossA = try a.loss.value(), lossB = try b.loss.value()
        #expect(abs(lossA - lossB) <= 1e-5 * max(1, abs(lossA)), "loss \(lossA) vs \(lossB)")
        // After the same SGD step from the same gradients, the parameters are the same.
        for (parameter, _) in timeMajor.parameterNames {
            let p = try timeMajor.parameter(parameter), q = try batchFirst.parameter(parameter)
            #expect(zip(p, q).allSatisfy { abs($0 - $1) <= 1e-5 + 1e-4 * abs($0) }, "\(parameter)")
        }
        // Evaluation-mode predictions at every step, transposed.
        let pa = try timeMajor.predict(.features(try backend.tensor(x, shape: [Self.steps, Self.batch, Self.features])),
                                       mapping: .eachStep)
        let pb = try batchFirst.predict(.features(try backend.tensor(
            Self.transpose(x, outer: Self.steps, inner: Self.batch, width: Self.features), shape: [Self.batch, Self.steps, Self.features])),
            mapping: .eachStep)
        let expected = Self.transpose(pa.values, outer: Self.steps, inner: Self.batch, width: 2)
        #expect(zip(expected, pb.values).allSatisfy { abs($0 - $1) <= 1e-5 + 1e-4 * abs($0) })
    }

    @Test func aBatchFirstLanguageModelGeneratesWhatTheTimeMajorOneDoes() throws {
        let backend = try TestBackends.make("cpu")
        var configuration = ModelConfiguration.languageModel(vocabularySize: 7, embeddingSize: 3, mode: .lstm, hiddenSize: 5, numLayers: 1)
        let timeMajor = try RecurrentModel(configuration, backend: backend, seed: 4)
        configuration.batchFirst = true
        let batchFirst = try RecurrentModel(configuration, backend: backend, seed: 5)
        for (name, _) in timeMajor.parameterNames { try batchFirst.setParameter(name, try timeMajor.parameter(name)) }
        var s1 = try Sampler(greedy: true), s2 = try Sampler(greedy: true)
        #expect(try timeMajor.generate(prompt: [1, 2, 3], length: 8, sampler: &s1) == batchFirst.generate(prompt: [1, 2, 3], length: 8, sampler: &s2))
    }
}

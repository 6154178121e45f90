import Foundation
import Recur
import RecurTestSupport
import Testing

/// `predict`, `model(input)` and `evaluateClassifying`: evaluation mode (dropout off) on every
/// backend, host values in one call, the same numbers as the forward they stand for.
@Suite struct Inference {
    static func classifier(_ backend: any Backend) throws -> RecurrentModel {
        try RecurrentModel(ModelConfiguration(vocabularySize: 7, inputSize: 3, mode: .lstm, hiddenSize: 5, numLayers: 2,
                                              dropout: 0.5, outputSize: 3), backend: backend, seed: 8)
    }

    @Test("predict runs in evaluation mode and reads back every row", arguments: TestBackends.names)
    func predictIsEvaluationMode(backend name: String) throws {
        let backend = try TestBackends.make(name)
        let model = try Self.classifier(backend)
        let tokens = try backend.indices((0..<(4 * 3)).map { Int32($0 % 7) }, shape: [4, 3], limit: 7)
        let lengths = [4, 2, 3]
        let first = try model.predict(.tokens(tokens), lengths: lengths)
        let again = try model.predict(.tokens(tokens), lengths: lengths)
        #expect(first.shape == [3, 3] && first.values == again.values, "dropout was applied: predict is not in evaluation mode")
        let forward = try model.forwardFinal(.tokens(tokens), lengths: lengths, training: false).predictions
        #expect(first.values == (try backend.array(forward)))
        // A strided column block reads back without its stride.
        let wide = try backend.tensor((0..<12).map(Float.init), shape: [3, 4]).matrix
        #expect(try backend.array(Matrix(wide.buffer, offset: 1, rows: 3, cols: 2, ld: 4)) == [1, 2, 5, 6, 9, 10])
        #expect(first.classes.count == 3 && first.classes.allSatisfy { (0..<3).contains($0) })
        for r in 0..<3 { #expect(first.row(r)[first.classes[r] + r * 3] == first.row(r).max()) }

        let steps = try model.predict(.tokens(tokens), mapping: .eachStep)
        #expect(steps.shape == [12, 3])
        #expect(try backend.array(try model(.tokens(tokens), mapping: .eachStep)) == steps.values)
    }

    @Test("evaluation's loss and accuracy are the batches' own", arguments: TestBackends.names)
    func evaluationMatchesItsParts(backend name: String) throws {
        let backend = try TestBackends.make(name)
        let model = try Self.classifier(backend)
        var batches: [RecurrentModel.LabelledBatch] = []
        for k in 0..<3 {
            let tokens: [Int32] = (0..<10).map { Int32(($0 + k) % 7) }
            let input = SequenceInput.tokens(try backend.indices(tokens, shape: [5, 2], limit: 7))
            batches.append(RecurrentModel.LabelledBatch(input: input, targets: [Int32(k % 3), Int32((k + 1) % 3)], lengths: [5, 3]))
        }
        let evaluation = try model.evaluateClassifying(batches)
        var correct = 0, loss: Float = 0
        for batch in batches {
            let p = try model.predict(batch.input, lengths: batch.lengths)
            correct += zip(p.classes, batch.targets).filter { $0 == Int($1) }.count
            for (r, target) in batch.targets.enumerated() {
                let row = Array(p.row(r))
                let top: Float = row.max()!
                let total: Float = row.map { Foundation.exp($0 - top) }.reduce(0, +)
                loss += Foundation.log(total) + top - row[Int(target)]
            }
        }
        #expect(evaluation.count == 6)
        #expect(evaluation.accuracy == Float(correct) / 6)
        #expect(abs(evaluation.meanLoss - loss / 6) <= 1e-5 + 1e-4 * abs(loss / 6))
        #expect(throws: RecurError.self) { try model.evaluateClassifying([]) }
    }
}


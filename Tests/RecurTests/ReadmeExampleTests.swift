import Foundation
import Recur
import RecurCPU
import Testing

/// The README's example and docs/training.md's, compiled and run, so that they stay true.
@Suite struct ReadmeExample {
    /// Made-up sequences whose class is learnable: the sign of the mean of feature 0 over the
    /// sequence's own steps, and the sign of feature 1 at its last step.
    static func batch(_ generator: inout SeededGenerator) -> (x: [Float], labels: [Int32], lengths: [Int]) {
        let (steps, batch) = (20, 32)
        var x = [Float](repeating: 0, count: steps * batch * 3), labels: [Int32] = [], lengths: [Int] = []
        for b in 0..<batch {
            let length = Int.random(in: 5...steps, using: &generator)
            var sum: Float = 0
            for t in 0..<steps {
                for f in 0..<3 { x[(t * batch + b) * 3 + f] = generator.normal() }
                if t < length { sum += x[(t * batch + b) * 3] }
            }
            let last = x[((length - 1) * batch + b) * 3 + 1]
            labels.append(Int32((sum > 0 ? 2 : 0) + (last > 0 ? 1 : 0)))
            lengths.append(length)
        }
        return (x, labels, lengths)
    }

    @Test func firstModel() throws {
        var generator = SeededGenerator(seed: 12)
        let trainingBatches = (0..<250).map { _ in Self.batch(&generator) }
        let (testX, testLabels, testLengths) = Self.batch(&generator)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("readme-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("classifier.safetensors").path

        // --- README: "A first model: a sequence classifier" ---
        let backend = CPUBackend()
        // Sequences of 3 features in, one of 4 classes out: an LSTM reads each sequence, a linear head
        // reads its final state (each sequence's own last step, given its length).
        let model = try RecurrentModel(
            ModelConfiguration(vocabularySize: nil, inputSize: 3, mode: .lstm, hiddenSize: 32, outputSize: 4), backend: backend)
        let trainer = SequenceTrainer(model: model, optimizer: try Optimizer(.adam(learningRate: 1e-2)), clipNorm: 5)
        for (x, labels, lengths) in trainingBatches {            // x: [Float] (T, B, 3) time-major, T = 20, B = 32
            let input = SequenceInput.features(try backend.tensor(x, shape: [20, 32, 3]))
            let step = try trainer.stepClassifyingSequences(input, targets: labels, lengths: lengths)
            _ = try step.loss.value()                             // waits for the step; skip it to keep the device busy
        }

        // Held-out loss and accuracy, in evaluation mode (no dropout, no activations kept):
        let heldOut = RecurrentModel.LabelledBatch(
            input: .features(try backend.tensor(testX, shape: [20, 32, 3])), targets: testLabels, lengths: testLengths)
        let evaluation = try model.evaluateClassifying([heldOut])
        print("accuracy \(evaluation.accuracy), mean loss \(evaluation.meanLoss)")

        // Save (atomically, under PyTorch's names: PyTorch loads it), reload into a new model, predict:
        try Checkpoint.save(model: model, optimizer: trainer.optimizer, to: URL(fileURLWithPath: path))
        let restored = try RecurrentModel(model.configuration, backend: backend)
        try Checkpoint.load(from: URL(fileURLWithPath: path), into: restored)
        let prediction = try restored.predict(.features(try backend.tensor(testX, shape: [20, 32, 3])), lengths: testLengths)
        print(prediction.classes)                                 // one class per sequence, on the host
        // --- end ---

        // It learned (chance is 25%), and the reloaded model predicts what the trained one does.
        #expect(evaluation.accuracy >= 0.75, "held-out accuracy \(evaluation.accuracy)")
        let original = try model.predict(.features(try backend.tensor(testX, shape: [20, 32, 3])), lengths: testLengths)
        #expect(prediction.values == original.values)
        #expect(zip(prediction.classes, testLabels).filter { $0 == Int($1) }.count == Int((evaluation.accuracy * 32).rounded()))
    }
}

extension ReadmeExample {
    @Test func theLayerAlone() throws {
        let (myInput, myLengths, dy) = (
            [Float](repeating: 0.1, count: 50 * 16 * 64), (0..<16).map { 50 - $0 }, [Float](repeating: 0.01, count: 50 * 16 * 256))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("readme-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("lstm.safetensors").path

        // --- docs/training.md: "The layer alone" ---
        let backend = CPUBackend()
        let lstm = try RecurrentLayer(
            RNNDescriptor(mode: .lstm, inputSize: 64, hiddenSize: 128, numLayers: 2, bidirectional: true),
            backend: backend, seed: 42)

        // x: (T, B, I) = (50, 16, 64); lengths are optional, any order.
        let x = try backend.tensor(myInput, shape: [50, 16, 64])
        let result = try lstm.forward(x, lengths: myLengths)  // output (50, 16, 256), hN and cN (4, 16, 128)

        // Backpropagate an upstream gradient of the output; parameter gradients accumulate in lstm.gradients.
        let grads = try lstm.backward(result, gradOutput: try backend.tensor(dy, shape: [50, 16, 256]))
        try Optimizer(.sgd(learningRate: 0.01)).update([lstm])   // or keep an Optimizer (Adam, momentum) across steps
        try lstm.zeroGradients()

        // Parameters by PyTorch name, e.g. to save them for PyTorch or load a state_dict saved with safetensors:
        var file = SafeTensors()
        for entry in lstm.parameterLayout.entries {
            try file.set(entry.name, floats: try lstm.parameter(entry.name), shape: entry.shape)
        }
        try file.write(to: URL(fileURLWithPath: path))
        let loaded = try SafeTensors(contentsOf: URL(fileURLWithPath: path))
        try lstm.setParameter("weight_ih_l0", try loaded.floats("weight_ih_l0"))
        // --- end ---

        #expect(result.output.shape == [50, 16, 256])
        #expect(result.hN.shape == [4, 16, 128])
        #expect(result.cN?.shape == [4, 16, 128])
        #expect(grads.input?.shape == [50, 16, 64])
        #expect(loaded.names.count == lstm.parameterLayout.entries.count)
    }

    @Test func sequenceMappings() throws {
        let backend = CPUBackend()
        let (tokenIDs, nextTokenIDs) = ((0..<(20 * 4)).map { Int32($0 % 11) }, (0..<(20 * 4)).map { Int32(($0 + 1) % 11) })
        let (features, lengths, labels) = ([Float](repeating: 0.5, count: 30 * 8 * 3), (0..<8).map { 30 - $0 }, (0..<8).map { Int32($0 % 5) })

        // --- docs/training.md: "From Swift" ---
        // Many-to-many: a character language model, one prediction per step.
        let lm = try RecurrentModel(
            .languageModel(vocabularySize: 11, embeddingSize: 16, mode: .lstm, hiddenSize: 64, numLayers: 2, dropout: 0.1),
            backend: backend)
        let trainer = SequenceTrainer(model: lm, optimizer: try Optimizer(.adam(learningRate: 2e-3)), clipNorm: 5)
        let tokens = try backend.indices(tokenIDs, shape: [20, 4], limit: 11)           // (T, B)
        let step = try trainer.stepClassifyingEachStep(.tokens(tokens), targets: nextTokenIDs)
        print("loss", try step.loss.value(), "gradient norm", try step.gradientNorm.value())

        // Many-to-one: classify whole sequences of 3 features from their final state.
        let classifier = try RecurrentModel(
            ModelConfiguration(vocabularySize: nil, inputSize: 3, mode: .gru, hiddenSize: 32, bidirectional: true, outputSize: 5),
            backend: backend)
        let classify = SequenceTrainer(model: classifier, optimizer: try Optimizer(.sgd(learningRate: 0.1, momentum: 0.9)))
        let x = try backend.tensor(features, shape: [30, 8, 3])                           // (T, B, I)
        _ = try classify.stepClassifyingSequences(.features(x), targets: labels, lengths: lengths)

        // One-to-many: generate from a prompt, sampling with temperature and top-k.
        var sampler = try Sampler(temperature: 0.8, topK: 5, seed: 1)
        let generated = try lm.generate(prompt: [1, 2, 3], length: 50, sampler: &sampler)
        // --- end ---

        #expect(generated.count == 50)
        #expect(try step.loss.value().isFinite)
    }
}

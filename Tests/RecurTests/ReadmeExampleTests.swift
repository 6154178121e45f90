import Foundation
import Recur
import RecurCPU
import Testing

/// The README's first example and docs/training.md's, compiled and run, so that they stay true.
@Suite struct ReadmeExample {
    @Test func firstExample() throws {
        let (myInput, myLengths, dy) = (
            [Float](repeating: 0.1, count: 50 * 16 * 64), (0..<16).map { 50 - $0 }, [Float](repeating: 0.01, count: 50 * 16 * 256))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("readme-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("lstm.safetensors").path

        // --- README: "A first example" ---
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
}

extension ReadmeExample {
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

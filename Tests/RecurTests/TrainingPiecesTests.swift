import Foundation
import Recur
import RecurCPU
import Testing

/// The pieces of training that no PyTorch fixture pins down: schedules, truncated BPTT's streams,
/// sampling, clipping's rule.
@Suite struct TrainingPieces {
    let backend = CPUBackend(threads: 1)

    @Test func schedules() {
        #expect(LearningRateSchedule.constant.rate(0.1, step: 50) == 0.1)
        #expect(abs(LearningRateSchedule.step(every: 10, gamma: 0.5).rate(1, step: 25) - 0.25) < 1e-7)
        let cosine = LearningRateSchedule.cosine(warmup: 10, total: 110, minimum: 0)
        #expect(abs(cosine.rate(1, step: 5) - 0.5) < 1e-6)
        #expect(abs(cosine.rate(1, step: 10) - 1) < 1e-6)
        #expect(abs(cosine.rate(1, step: 60) - 0.5) < 1e-6)
        #expect(abs(cosine.rate(1, step: 110)) < 1e-6)
    }

    @Test func truncatedBPTTCarriesStreamsAndResetsAtDocumentBoundaries() throws {
        let documents: [[Int32]] = [Array(0..<10), Array(100..<105)]
        var bptt = try TruncatedBPTT(documents: documents, batch: 2, chunkLength: 4)
        let first = bptt.next()
        #expect(first.resetStreams == [0, 1])
        // Stream 0 reads document 0, stream 1 document 1; targets are the next tokens.
        let stream0: [Int32] = (0..<4).map { first.inputs[$0 * 2] }
        let targets0: [Int32] = (0..<4).map { first.targets[$0 * 2] }
        let stream1: [Int32] = (0..<4).map { first.inputs[$0 * 2 + 1] }
        #expect(stream0 == [0, 1, 2, 3])
        #expect(targets0 == [1, 2, 3, 4])
        #expect(stream1 == [100, 101, 102, 103])
        // Stream 1's 5-token document ended within the first chunk: it starts document 0 afresh.
        let second = bptt.next()
        #expect(second.resetStreams == [1])
        let secondStream0: [Int32] = (0..<4).map { second.inputs[$0 * 2] }
        let secondStream1: [Int32] = (0..<4).map { second.inputs[$0 * 2 + 1] }
        #expect(secondStream0 == [4, 5, 6, 7])
        #expect(secondStream1 == [0, 1, 2, 3])
        // Stream 0 has one step left in its document: the rest of the chunk is padding (ignored targets).
        let third = bptt.next()
        let thirdTargets: [Int32] = (0..<4).map { third.targets[$0 * 2] }
        #expect(third.inputs[0] == 8)
        #expect(thirdTargets == [9, -1, -1, -1])
        let fourth = bptt.next()
        #expect(fourth.resetStreams == [0])
        #expect(fourth.inputs[0] == 100)
        #expect(throws: RecurError.self) { try TruncatedBPTT(documents: [[1]], batch: 1, chunkLength: 4) }
    }

    @Test func resettingAStreamZeroesOnlyItsRows() throws {
        let h = try backend.tensor((0..<12).map(Float.init), shape: [2, 3, 2])
        let state = RecurrentState(h: h, c: nil)
        try state.reset(streams: [1], backend: backend)
        #expect(try backend.array(h) == [0, 1, 0, 0, 4, 5, 6, 7, 0, 0, 10, 11])
    }

    @Test func sampling() throws {
        var greedy = try Sampler(greedy: true)
        #expect(greedy.choose([0.1, 3, -2]) == 1)
        var topOne = try Sampler(temperature: 5, topK: 1, seed: 9)
        #expect((0..<20).allSatisfy { _ in topOne.choose([0.1, 3, 2.9]) == 1 })
        var sampler = try Sampler(temperature: 1, seed: 1)
        var counts = [0, 0]
        for _ in 0..<4000 { counts[sampler.choose([0, Float(log(3.0))])] += 1 }
        // Probabilities 1/4 and 3/4.
        #expect(abs(Double(counts[1]) / 4000 - 0.75) < 0.03)
        #expect(throws: RecurError.self) { try Sampler(temperature: 0) }
        #expect(throws: RecurError.self) { try Sampler(topK: 0) }
    }

    @Test func clippingFollowsClipGradNorm() throws {
        let linear = try Linear(inputSize: 2, outputSize: 2, backend: backend)
        try backend.upload([3, 0, 0, 0, 0, 0, 0, 0] as [Float], to: linear.gradients, offset: 0)  // weight grad: norm 3
        try backend.upload([4, 0] as [Float], to: linear.gradients, offset: linear.parameterLayout.entry("bias")!.offset)
        let norm = try GradientClipping.clip([linear], maxNorm: 1)
        #expect(abs(try norm!.value() - 5) < 1e-6)
        let scale = Float(1) / (5 + 1e-6)
        #expect(abs(try linear.gradient("weight")[0] - 3 * scale) < 1e-6)
        #expect(abs(try linear.gradient("bias")[0] - 4 * scale) < 1e-6)
        // Below the maximum nothing changes.
        let unchanged = try GradientClipping.clip([linear], maxNorm: 10)
        #expect(abs(try unchanged!.value() - 1) < 1e-5)
        #expect(abs(try linear.gradient("bias")[0] - 4 * scale) < 1e-6)
    }

    @Test func badTrainingInput() throws {
        #expect(throws: RecurError.self) { try RNNDescriptor(mode: .lstm, inputSize: 2, hiddenSize: 2, dropout: 1) }
        #expect(throws: RecurError.self) { try Optimizer(.adam(learningRate: 0)) }
        #expect(throws: RecurError.self) { try backend.indices([0, 11], shape: [2], limit: 11) }
        let model = try RecurrentModel(.languageModel(vocabularySize: 5, embeddingSize: 3, mode: .gru, hiddenSize: 4, numLayers: 1),
                                       backend: backend)
        #expect(throws: RecurError.self) { try model.forwardSequence(.features(try backend.zeros([2, 1, 3]))) }
        var sampler = try Sampler()
        #expect(throws: RecurError.self) { try model.generate(prompt: [], length: 3, sampler: &sampler) }
        #expect(try model.generate(prompt: [1, 2], length: 7, sampler: &sampler).count == 7)
    }
}

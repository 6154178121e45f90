import Foundation
import Recur
import RecurCPU
import Testing

/// The textbook lessons of recurrent training, as tests with fixed seeds on the CPU backend.
///
/// The adding problem (Hochreiter & Schmidhuber 1997): each step reads (value in [0, 1), marker);
/// two steps are marked, one in each half of a T = 100 sequence; the target is the sum of the two
/// marked values. Predicting the mean gives MSE ~0.167, so anything well below needs information
/// carried across up to 100 steps.
@Suite(.serialized) struct TextbookLessons {
    let backend = CPUBackend()
    static let steps = 100, batch = 32

    struct AddingProblem {
        var generator: SeededGenerator

        mutating func batch() -> (x: [Float], y: [Float]) {
            let (T, B) = (TextbookLessons.steps, TextbookLessons.batch)
            var x = [Float](repeating: 0, count: T * B * 2), y = [Float](repeating: 0, count: B)
            for b in 0..<B {
                let first = Int(generator.uniform(0, 1) * Float(T / 2))
                let second = T / 2 + Int(generator.uniform(0, 1) * Float(T / 2))
                for t in 0..<T {
                    x[(t * B + b) * 2] = generator.uniform(0, 1)
                    if t == first || t == second {
                        x[(t * B + b) * 2 + 1] = 1
                        y[b] += x[(t * B + b) * 2]
                    }
                }
            }
            return (x, y)
        }
    }

    /// Trains a 32-unit model on the adding problem; the mean loss of the last 100 updates.
    func train(_ mode: CellMode, updates: Int, optimizer: Optimizer.Configuration, clip: Float? = nil,
               identityRecurrence: Bool = false) throws -> (finalLoss: Float, losses: [Float]) {
        let hidden = identityRecurrence ? 64 : 32
        let model = try RecurrentModel(
            ModelConfiguration(vocabularySize: nil, inputSize: 2, mode: mode, hiddenSize: hidden, outputSize: 1),
            backend: backend, seed: 1)
        if identityRecurrence {
            // Le et al. 2015's IRNN: W_hh = I, b_hh = 0. Its gradients explode without clipping.
            try model.rnn.setParameter("weight_hh_l0", (0..<(hidden * hidden)).map { $0 / hidden == $0 % hidden ? 1 : 0 })
            try model.rnn.setParameter("bias_hh_l0", [Float](repeating: 0, count: hidden))
        }
        let trainer = SequenceTrainer(model: model, optimizer: try Optimizer(optimizer), clipNorm: clip)
        var data = AddingProblem(generator: SeededGenerator(seed: 5))
        var losses: [Float] = []
        for _ in 0..<updates {
            let (x, y) = data.batch()
            let step = try trainer.stepRegressingSequences(
                .features(try backend.tensor(x, shape: [Self.steps, Self.batch, 2])), targets: y)
            losses.append(try step.loss.value())
        }
        let tail = losses.suffix(100)
        return (tail.reduce(0, +) / Float(tail.count), losses)
    }

    /// Vanishing gradients: with the same budget (2000 Adam updates, PyTorch's initialisation), an
    /// LSTM's gated cell carries the marked values across 100 steps and a tanh RNN's gradient does
    /// not reach them: it stays at the mean predictor's loss. (Measured here: the LSTM falls below
    /// 0.005 after ~1750 updates; the tanh RNN stays at 0.17.) Two tests, one per cell, so that
    /// the two trainings (about 5 s each) can run side by side and neither test takes both.
    @Test func anLSTMLearnsALongRangeTask() throws {
        let lstm = try train(.lstm, updates: 2000, optimizer: .adam(learningRate: 0.01))
        #expect(lstm.finalLoss < 0.05, "LSTM final loss \(lstm.finalLoss)")
    }

    /// The other half of the lesson above: the same budget does not teach a tanh RNN the task.
    @Test func aTanhRNNCannotLearnTheLongRangeTask() throws {
        let tanh = try train(.rnnTanh, updates: 2000, optimizer: .adam(learningRate: 0.01))
        #expect(tanh.finalLoss > 0.12, "tanh RNN final loss \(tanh.finalLoss)")
    }

    /// Exploding gradients: an identity-initialised ReLU RNN under plain SGD diverges to NaN within
    /// 300 updates; clipping the global norm to 1 keeps every loss finite and near the mean
    /// predictor's.
    @Test func clippingKeepsAPlainRNNFromDiverging() throws {
        let unclipped = try train(.rnnReLU, updates: 300, optimizer: .sgd(learningRate: 0.01), identityRecurrence: true)
        let clipped = try train(.rnnReLU, updates: 300, optimizer: .sgd(learningRate: 0.01), clip: 1, identityRecurrence: true)
        #expect(unclipped.losses.contains { !$0.isFinite }, "expected the unclipped run to diverge")
        #expect(clipped.losses.allSatisfy { $0.isFinite })
        #expect(clipped.finalLoss < 0.25, "clipped final loss \(clipped.finalLoss)")
    }
}

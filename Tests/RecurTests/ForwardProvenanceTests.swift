import Recur
import RecurCPU
import Testing

/// `backward` takes only its own layer's training forward, made on the parameters it has now.
@Suite struct ForwardProvenance {
    let backend = CPUBackend(threads: 1)

    func layer(_ mode: CellMode = .lstm, hidden: Int = 16, layers: Int = 2, seed: UInt64 = 0) throws -> RecurrentLayer {
        try RecurrentLayer(RNNDescriptor(mode: mode, inputSize: 8, hiddenSize: hidden, numLayers: layers), backend: backend, seed: seed)
    }

    func input() throws -> Tensor {
        try backend.tensor((0..<(5 * 2 * 8)).map { Float($0 % 7) / 7 - 0.5 }, shape: [5, 2, 8])
    }

    func mismatch(_ body: () throws -> Void) -> String? {
        let error = #expect(throws: RecurError.self) { try body() }
        guard case let .mismatchedForward(message) = error else {
            Issue.record("expected mismatchedForward, got \(String(describing: error))")
            return nil
        }
        return message
    }

    /// QA: a 2x16 LSTM's forward given to a 3x64 LSTM's backward trapped (index out of range).
    @Test func anotherShapesForwardThrows() throws {
        let small = try layer(), large = try layer(hidden: 64, layers: 3)
        let forward = try small.forward(try input())
        let message = mismatch { _ = try large.backward(forward, gradOutput: nil) }
        #expect(message?.contains("another layer (LSTM, 2 layers of 16, input 8)") == true, "\(message ?? "")")
        #expect(message?.contains("(LSTM, 3 layers of 64, input 8)") == true)
        // Refused before it was spent: its own layer still backpropagates it.
        _ = try small.backward(forward, gradOutput: nil)
    }

    /// QA: two layers of one shape: the gradients came out of the wrong weights, with no error.
    @Test func aSameShapedLayersForwardThrows() throws {
        let first = try layer(seed: 1), second = try layer(seed: 2)
        let forward = try first.forward(try input())
        let message = mismatch { _ = try second.backward(forward, gradOutput: nil) }
        #expect(message?.contains("another layer of the same shape") == true, "\(message ?? "")")
    }

    /// QA: a GRU given an LSTM's forward read its saved rows as GRU gates.
    @Test func aGRUGivenAnLSTMsForwardThrows() throws {
        let lstm = try layer(layers: 1), gru = try layer(.gru, layers: 1)
        let forward = try lstm.forward(try input())
        #expect(mismatch { _ = try gru.backward(forward, gradOutput: nil) } != nil)
    }

    /// The normal path, and the one-backward rule that was there before.
    @Test func itsOwnForwardBackpropagatesOnce() throws {
        let layer = try layer()
        let forward = try layer.forward(try input())
        let gradients = try layer.backward(forward, gradOutput: try backend.zeros(forward.output.shape))
        #expect(gradients.input?.shape == [5, 2, 8])
        #expect(throws: RecurError.self) { _ = try layer.backward(forward, gradOutput: nil) }
    }

    /// Decided as PyTorch does (an in-place change of saved tensors is an error): a forward made
    /// before an optimizer update, a setParameter or a loadParameters is refused; a new forward is not.
    @Test func aForwardMadeBeforeTheParametersChangedThrows() throws {
        let layer = try layer()
        let optimizer = try Optimizer(.sgd(learningRate: 0.1))
        let changes: [(String, () throws -> Void)] = [
            ("optimizer update", { try optimizer.update([layer]) }),
            ("setParameter", { try layer.setParameter("bias_hh_l1", [Float](repeating: 0.5, count: 64)) }),
            ("loadParameters", {
                var values: [String: (shape: [Int], values: [Float])] = [:]
                for entry in layer.parameterLayout.entries {
                    values[entry.name] = (entry.shape, try layer.parameter(entry.name))
                }
                try layer.loadParameters(values)
            }),
            ("parametersChanged", { layer.parametersChanged() }),
        ]
        for (name, change) in changes {
            let stale = try layer.forward(try input())
            let before = layer.parameterVersion
            try change()
            #expect(layer.parameterVersion != before, "\(name)")
            let message = mismatch { _ = try layer.backward(stale, gradOutput: nil) }
            #expect(message?.contains("parameters changed after this forward") == true, "\(name): \(message ?? "")")
            let fresh = try layer.forward(try input())
            _ = try layer.backward(fresh, gradOutput: nil)
        }
    }

    /// A forward, its backward, then the update: a training step as SequenceTrainer runs it.
    @Test func theTrainingStepOrderIsUnaffected() throws {
        let layer = try layer()
        let optimizer = try Optimizer(.adam(learningRate: 1e-3))
        for _ in 0..<3 {
            try layer.zeroGradients()
            let forward = try layer.forward(try input())
            _ = try layer.backward(forward, gradOutput: try backend.zeros(forward.output.shape))
            try optimizer.update([layer])
        }
        #expect(layer.parameterVersion == 3)
    }
}

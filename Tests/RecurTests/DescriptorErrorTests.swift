import Recur
import RecurCPU
import Testing

/// Every mismatch between user input and the layer is a typed error naming expected and actual.
@Suite struct DescriptorErrors {
    let backend = CPUBackend(threads: 1)

    func layer(_ mode: CellMode = .lstm, input: Int = 64, hidden: Int = 8, layers: Int = 1, bi: Bool = false,
               batchFirst: Bool = false) throws -> RecurrentLayer {
        try RecurrentLayer(
            RNNDescriptor(mode: mode, inputSize: input, hiddenSize: hidden, numLayers: layers, bidirectional: bi,
                          batchFirst: batchFirst),
            backend: backend)
    }

    @Test func invalidSizes() {
        #expect(throws: RecurError.invalidConfiguration("hidden size must be at least 1, got 0")) {
            try RNNDescriptor(mode: .gru, inputSize: 3, hiddenSize: 0)
        }
        #expect(throws: RecurError.invalidConfiguration("input size must be at least 1, got -2")) {
            try RNNDescriptor(mode: .gru, inputSize: -2, hiddenSize: 3)
        }
        #expect(throws: RecurError.invalidConfiguration("number of layers must be at least 1, got 0")) {
            try RNNDescriptor(mode: .lstm, inputSize: 3, hiddenSize: 3, numLayers: 0)
        }
    }

    @Test func wrongInputFeatures() throws {
        let layer = try layer()
        let input = try backend.zeros([5, 2, 37])
        let error = #expect(throws: RecurError.self) { try layer.forward(input) }
        #expect(error == .featureMismatch(tensor: "input", actual: 37, expected: 64))
        #expect(error?.description == "input has 37 features, the layer expects 64")
    }

    @Test func wrongInputRank() throws {
        let layer = try layer()
        let input = try backend.zeros([10, 64])
        let error = #expect(throws: RecurError.self) { try layer.forward(input) }
        #expect(error?.description.contains("expected 3") == true)
    }

    @Test func emptyBatch() throws {
        let layer = try layer()
        #expect(throws: RecurError.self) { try layer.forward(try backend.zeros([0, 2, 64])) }
    }

    @Test func wrongBatchInH0() throws {
        let layer = try layer(layers: 2, bi: true)
        let input = try backend.zeros([5, 3, 64])
        let h0 = try backend.zeros([4, 2, 8])
        #expect(throws: RecurError.batchMismatch(tensor: "h0", actual: 2, expected: 3)) {
            try layer.forward(input, h0: h0)
        }
        let wrongLayers = try backend.zeros([2, 3, 8])
        #expect(throws: RecurError.shapeMismatch(tensor: "h0", actual: [2, 3, 8], expected: [4, 3, 8])) {
            try layer.forward(input, h0: wrongLayers)
        }
    }

    @Test func batchFirstReadsBatchFromTheFirstAxis() throws {
        let layer = try layer(batchFirst: true)
        let input = try backend.zeros([3, 5, 64])  // (B, T, I)
        #expect(throws: RecurError.batchMismatch(tensor: "h0", actual: 5, expected: 3)) {
            try layer.forward(input, h0: try backend.zeros([1, 5, 8]))
        }
        let result = try layer.forward(input, h0: try backend.zeros([1, 3, 8]))
        #expect(result.output.shape == [3, 5, 8])
    }

    @Test func cellStateOnlyForLSTM() throws {
        let layer = try layer(.gru)
        let input = try backend.zeros([5, 2, 64])
        let error = #expect(throws: RecurError.self) { try layer.forward(input, c0: try backend.zeros([1, 2, 8])) }
        #expect(error?.description == "c0 is given but a GRU layer has no cell state")
    }

    @Test func lengths() throws {
        let layer = try layer()
        let input = try backend.zeros([6, 3, 64])
        #expect(throws: RecurError.invalidLength(index: 1, length: 7, sequenceLength: 6)) {
            try layer.forward(input, lengths: [6, 7, 2])
        }
        #expect(throws: RecurError.invalidLength(index: 2, length: 0, sequenceLength: 6)) {
            try layer.forward(input, lengths: [6, 5, 0])
        }
        #expect(throws: RecurError.batchMismatch(tensor: "lengths", actual: 2, expected: 3)) {
            try layer.forward(input, lengths: [6, 5])
        }
        #expect(RecurError.invalidLength(index: 1, length: 7, sequenceLength: 6).description
            == "lengths[1] is 7, longer than the sequence (6 steps)")
    }

    @Test func parameterShapesAndNames() throws {
        let layer = try layer(.gru, input: 3, hidden: 2)
        var parameters: [String: (shape: [Int], values: [Float])] = [:]
        for entry in layer.parameterLayout.entries {
            parameters[entry.name] = (entry.shape, [Float](repeating: 0.5, count: entry.count))
        }
        try layer.loadParameters(parameters)
        #expect(try layer.parameter("weight_ih_l0") == [Float](repeating: 0.5, count: 18))

        var wrongShape = parameters
        wrongShape["weight_hh_l0"] = ([6, 3], [Float](repeating: 0, count: 18))
        #expect(throws: RecurError.shapeMismatch(tensor: "weight_hh_l0", actual: [6, 3], expected: [6, 2])) {
            try layer.loadParameters(wrongShape)
        }
        var missing = parameters
        missing["bias_hh_l0"] = nil
        #expect(throws: RecurError.missingParameter("bias_hh_l0")) { try layer.loadParameters(missing) }
        var extra = parameters
        extra["weight_ih_l1"] = ([6, 2], [Float](repeating: 0, count: 12))
        #expect(throws: RecurError.unexpectedParameter("weight_ih_l1")) { try layer.loadParameters(extra) }
        #expect(throws: RecurError.shapeMismatch(tensor: "bias_ih_l0", actual: [5], expected: [6])) {
            try layer.setParameter("bias_ih_l0", [1, 2, 3, 4, 5])
        }
    }

    @Test func parameterLayoutFollowsPyTorch() throws {
        let d = try RNNDescriptor(mode: .lstm, inputSize: 10, hiddenSize: 20, numLayers: 2, bidirectional: true)
        let layout = d.parameterLayout
        #expect(layout.entries.map(\.name) == [
            "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
            "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse",
            "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1",
            "weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse",
        ])
        #expect(layout.entry("weight_ih_l1")?.shape == [80, 40])
        #expect(layout.entries.allSatisfy { $0.offset % ParameterLayout.alignment == 0 })
    }

    @Test func backwardNeedsATrainingForward() throws {
        let layer = try layer()
        let forward = try layer.forward(try backend.zeros([2, 1, 64]), training: false)
        #expect(throws: RecurError.self) { try layer.backward(forward, gradOutput: nil) }
    }

    /// The backward writes the gate gradients over the forward's saved activations: a second
    /// backward of the same forward is refused, and a fresh forward backpropagates again.
    @Test func oneBackwardPerTrainingForward() throws {
        for mode in CellMode.allCases {
            let layer = try RecurrentLayer(try RNNDescriptor(mode: mode, inputSize: 3, hiddenSize: 5), backend: backend, seed: 1)
            let input = try backend.tensor((0..<12).map { Float($0) / 12 }, shape: [4, 1, 3])
            let forward = try layer.forward(input)
            let first = try layer.backward(forward, gradOutput: try backend.tensor(Array(repeating: 1, count: 20), shape: [4, 1, 5]))
            #expect(throws: RecurError.self) { try layer.backward(forward, gradOutput: nil) }
            let again = try layer.backward(try layer.forward(input), gradOutput: try backend.tensor(Array(repeating: 1, count: 20), shape: [4, 1, 5]))
            let firstInput = try #require(first.input), againInput = try #require(again.input)
            #expect(try backend.download(againInput.buffer, offset: 0, count: 12)
                == backend.download(firstInput.buffer, offset: 0, count: 12), "\(mode)")
        }
    }

    @Test func gradientOfTheWrongShape() throws {
        let layer = try layer()
        let forward = try layer.forward(try backend.zeros([2, 1, 64]))
        #expect(throws: RecurError.shapeMismatch(tensor: "grad_output", actual: [2, 1, 9], expected: [2, 1, 8])) {
            try layer.backward(forward, gradOutput: try backend.zeros([2, 1, 9]))
        }
    }

    @Test func cellModeNames() {
        #expect(CellMode(name: "RNN_TANH") == .rnnTanh)
        #expect(CellMode(name: "rnn-relu") == .rnnReLU)
        #expect(CellMode(name: "lstm") == .lstm)
        #expect(CellMode(name: "transformer") == nil)
    }
}

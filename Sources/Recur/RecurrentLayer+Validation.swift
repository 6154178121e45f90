/// Checks of user input against the descriptor, done once before anything is enqueued, each a
/// typed error that names the expected and the actual value.
extension RecurrentLayer {
    /// T and B of an input of shape (T, B, I), or (B, T, I) when batch-first.
    func validateInput(_ input: Tensor) throws -> (steps: Int, batch: Int) {
        let d = descriptor
        let layoutName = d.batchFirst ? "(batch, time, features)" : "(time, batch, features)"
        guard input.shape.count == 3 else {
            throw RecurError.invalidValue(
                "input has \(input.shape.count) axes \(input.shape), expected 3: \(layoutName)")
        }
        try validateOwnership(input, "input")
        guard input.shape[2] == d.inputSize else {
            throw RecurError.featureMismatch(tensor: "input", actual: input.shape[2], expected: d.inputSize)
        }
        let steps = d.batchFirst ? input.shape[1] : input.shape[0]
        let batch = d.batchFirst ? input.shape[0] : input.shape[1]
        guard steps >= 1, batch >= 1 else {
            throw RecurError.invalidValue("input has shape \(input.shape): it needs at least one time step and one sequence")
        }
        return (steps, batch)
    }

    /// A state tensor (h0, c0, grad_h_n, grad_c_n) must be (L*D, B, H); h's are (L*D, B, P) with a
    /// projection (`width` says which).
    func validateState(_ state: Tensor?, _ name: String, batch: Int, width: Int? = nil) throws {
        guard let state else { return }
        let d = descriptor
        let expected = [d.stateCount, batch, width ?? d.stateSize]
        try validateOwnership(state, name)
        if state.shape.count == 3, state.shape[1] != batch, state.shape[0] == expected[0], state.shape[2] == expected[2] {
            throw RecurError.batchMismatch(tensor: name, actual: state.shape[1], expected: batch)
        }
        guard state.shape == expected else {
            throw RecurError.shapeMismatch(tensor: name, actual: state.shape, expected: expected)
        }
    }

    /// A cell state is only for LSTMs.
    func validateCellState(_ state: Tensor?, _ name: String, batch: Int) throws {
        guard let state else { return }
        guard descriptor.mode.hasCellState else {
            throw RecurError.invalidValue("\(name) is given but a \(descriptor.mode.rawValue) layer has no cell state")
        }
        try validateState(state, name, batch: batch, width: descriptor.hiddenSize)
    }

    /// Lengths: one per sequence, each in 1...T, any order.
    func validateLengths(_ lengths: [Int]?, steps: Int, batch: Int) throws {
        guard let lengths else { return }
        guard lengths.count == batch else {
            throw RecurError.batchMismatch(tensor: "lengths", actual: lengths.count, expected: batch)
        }
        for (index, length) in lengths.enumerated() where length < 1 || length > steps {
            throw RecurError.invalidLength(index: index, length: length, sequenceLength: steps)
        }
    }

    /// A gradient of the output must match the output: (T, B, D*H) or (B, T, D*H).
    func validateOutputGradient(_ gradient: Tensor?, steps: Int, batch: Int) throws {
        guard let gradient else { return }
        let d = descriptor
        let expected = d.batchFirst ? [batch, steps, d.outputSize] : [steps, batch, d.outputSize]
        try validateOwnership(gradient, "grad_output")
        guard gradient.shape == expected else {
            throw RecurError.shapeMismatch(tensor: "grad_output", actual: gradient.shape, expected: expected)
        }
    }

    func validateOwnership(_ tensor: Tensor, _ name: String) throws {
        guard backend.owns(tensor.buffer) else { throw RecurError.foreignTensor(name) }
    }
}

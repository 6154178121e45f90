/// The sizes of a model worked out from its configuration alone, before anything is allocated: the
/// parameters' names and shapes (what a checkpoint must hold), and the memory a step would take.
/// Loaders compare a file against these first, so that a corrupt size is refused in microseconds
/// rather than after the model was built (or the allocation failed).
extension ModelConfiguration {
    /// Checks every size against `Limits` and returns the recurrent stack's descriptor.
    @discardableResult
    public func validate() throws -> RNNDescriptor {
        if let vocabularySize {
            try Limits.check(vocabularySize, "the vocabulary size", maximum: Limits.maxVocabularySize)
        }
        try Limits.check(outputSize, "the head's output size", maximum: Limits.maxVocabularySize)
        return try descriptor
    }

    /// Every parameter's full name and shape, in the order `RecurrentModel(self).parameterNames` has them.
    public func parameterShapes() throws -> [(name: String, shape: [Int])] {
        let rnn = try validate()
        var shapes: [(name: String, shape: [Int])] = []
        if let vocabularySize { shapes.append(("embedding.weight", [vocabularySize, inputSize])) }
        shapes += rnn.parameterLayout.entries.map { ("rnn." + $0.name, $0.shape) }
        shapes.append(("head.weight", [outputSize, rnn.outputSize]))
        shapes.append(("head.bias", [outputSize]))
        return shapes
    }

    /// Bytes a model of this configuration holds (an estimate from above): its parameters, and when
    /// `training`, their gradients and two optimizer states, plus the activations of a step over
    /// `steps` x `batch` (the stack's saved rows, its input, the head's logits and their gradient).
    public func memoryEstimate(batch: Int, steps: Int, training: Bool) throws -> Int {
        let rnn = try validate()
        let parameters = try CheckedSize.sum([
            try ParameterLayout(shapes: vocabularySize.map { [("weight", [$0, inputSize])] } ?? []).totalCount,
            rnn.parameterLayout.totalCount,
            try ParameterLayout(shapes: [("weight", [outputSize, rnn.outputSize]), ("bias", [outputSize])]).totalCount,
        ], "the model's parameters")
        let copies = training ? 4 : 1
        let logits = try CheckedSize.product([2, steps, batch, outputSize], "the head's logits")
        let floats = try CheckedSize.sum([
            try CheckedSize.product([copies, parameters], "the parameters and their optimizer state"),
            try rnn.activationCount(batch: batch, steps: steps), logits,
        ], "the model's memory")
        return try CheckedSize.product([floats, MemoryLayout<Float>.size], "the model's memory in bytes")
    }
}

extension RNNDescriptor {
    /// Floats a forward and backward over `steps` x `batch` hold besides the parameters (an estimate
    /// from above): per layer and direction the saved gate rows and states, each layer's output, the
    /// input and its gradient, and the states at both ends.
    public func activationCount(batch: Int, steps: Int) throws -> Int {
        let rows = try CheckedSize.product([steps, batch], "time steps x batch")
        let perRow = try CheckedSize.sum([
            try CheckedSize.product([numLayers, directions, gateCount + 3, hiddenSize], "the saved activations per step"),
            try CheckedSize.product([2, inputSize], "the input and its gradient per step"),
        ], "the activations per step")
        let states = try CheckedSize.product([8, numLayers, directions, batch, hiddenSize], "the initial and final states")
        return try CheckedSize.sum([try CheckedSize.product([rows, perRow], "the activations"), states], "the activations")
    }

    /// Bytes of a forward and backward of this stack over `steps` x `batch`: parameters, gradients
    /// and activations.
    public func memoryEstimate(batch: Int, steps: Int) throws -> Int {
        let floats = try CheckedSize.sum([
            try CheckedSize.product([2, parameterLayout.totalCount], "the parameters and their gradients"),
            try activationCount(batch: batch, steps: steps),
        ], "the layer's memory")
        return try CheckedSize.product([floats, MemoryLayout<Float>.size], "the layer's memory in bytes")
    }
}

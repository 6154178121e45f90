/// A stack of recurrent layers, PyTorch's `nn.RNN`, `nn.LSTM` and `nn.GRU`: L layers, one or two
/// directions, optional biases, batch-first or time-first, variable lengths.
///
/// Parameters live on the backend in one flat buffer (`parameterLayout` says where each PyTorch
/// name is); `backward` accumulates into `gradients`, which has the same layout, as PyTorch's
/// `.grad` does. Forward and backward (BPTT) are in RecurrentLayer+BPTT.swift.
public final class RecurrentLayer {
    public let descriptor: RNNDescriptor
    public let backend: any Backend
    public let parameterLayout: ParameterLayout
    /// Every parameter, at `parameterLayout`'s offsets.
    public let parameters: any DeviceBuffer
    /// d(loss)/d(parameters), same layout; accumulated by `backward`, cleared by `zeroGradients`.
    public let gradients: any DeviceBuffer

    /// Initialises as PyTorch does: every weight and bias uniform in [-1/sqrt(H), 1/sqrt(H)).
    public init(_ descriptor: RNNDescriptor, backend: any Backend, seed: UInt64 = 0) throws {
        self.descriptor = descriptor
        self.backend = backend
        parameterLayout = descriptor.parameterLayout
        parameters = try backend.makeBuffer(count: parameterLayout.totalCount)
        gradients = try backend.makeBuffer(count: parameterLayout.totalCount)
        var generator = SeededGenerator(seed: seed)
        let bound = 1 / Float(descriptor.hiddenSize).squareRoot()
        var values = [Float](repeating: 0, count: parameterLayout.totalCount)
        for entry in parameterLayout.entries {
            for i in entry.offset..<(entry.offset + entry.count) {
                values[i] = generator.uniform(-bound, bound)
            }
        }
        try backend.upload(values, to: parameters, offset: 0)
    }

    // MARK: Parameters by PyTorch name

    public func setParameter(_ name: String, _ values: [Float]) throws {
        let entry = try entry(name)
        guard values.count == entry.count else {
            throw RecurError.shapeMismatch(tensor: name, actual: [values.count], expected: entry.shape)
        }
        try backend.upload(values, to: parameters, offset: entry.offset)
    }

    public func parameter(_ name: String) throws -> [Float] {
        let entry = try entry(name)
        return try backend.download(parameters, offset: entry.offset, count: entry.count)
    }

    public func gradient(_ name: String) throws -> [Float] {
        let entry = try entry(name)
        return try backend.download(gradients, offset: entry.offset, count: entry.count)
    }

    /// Replaces every parameter; the set must name each parameter of the layer exactly once,
    /// with its PyTorch shape.
    public func loadParameters(_ values: [String: (shape: [Int], values: [Float])]) throws {
        for name in values.keys.sorted() where parameterLayout.entry(name) == nil {
            throw RecurError.unexpectedParameter(name)
        }
        for entry in parameterLayout.entries {
            guard let given = values[entry.name] else { throw RecurError.missingParameter(entry.name) }
            guard given.shape == entry.shape, given.values.count == entry.count else {
                throw RecurError.shapeMismatch(tensor: entry.name, actual: given.shape, expected: entry.shape)
            }
        }
        for entry in parameterLayout.entries {
            try backend.upload(values[entry.name]!.values, to: parameters, offset: entry.offset)
        }
    }

    public func zeroGradients() throws {
        try backend.fill(Matrix(gradients, rows: 1, cols: parameterLayout.totalCount), value: 0)
    }

    private func entry(_ name: String) throws -> ParameterLayout.Entry {
        guard let entry = parameterLayout.entry(name) else { throw RecurError.unexpectedParameter(name) }
        return entry
    }

    // MARK: Views the BPTT loop uses

    /// (G*H, I_l) weight_ih, (G*H, H) weight_hh, (1, G*H) biases of one layer and direction.
    struct Weights {
        let inputWeight: Matrix
        let hiddenWeight: Matrix
        let inputBias: Matrix?
        let hiddenBias: Matrix?
    }

    func weights(layer: Int, direction: Int, in buffer: any DeviceBuffer) -> Weights {
        let suffix = RNNDescriptor.suffix(layer: layer, direction: direction)
        func view(_ name: String) -> Matrix? {
            guard let entry = parameterLayout.entry(name) else { return nil }
            let rows = entry.shape.count == 2 ? entry.shape[0] : 1
            return Matrix(buffer, offset: entry.offset, rows: rows, cols: entry.count / rows)
        }
        return Weights(
            inputWeight: view("weight_ih" + suffix)!, hiddenWeight: view("weight_hh" + suffix)!,
            inputBias: view("bias_ih" + suffix), hiddenBias: view("bias_hh" + suffix))
    }
}

extension RecurrentLayer {
    /// Plain SGD, parameters -= learningRate * gradients, over the whole flat buffer at once.
    public func sgdStep(learningRate: Float) throws {
        let all = Matrix(parameters, rows: 1, cols: parameterLayout.totalCount)
        try backend.axpy(alpha: -learningRate, Matrix(gradients, rows: 1, cols: parameterLayout.totalCount), all)
    }
}

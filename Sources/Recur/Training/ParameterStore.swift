/// A block of parameters on a backend with their gradients, in one flat buffer each, named as
/// PyTorch names them. Optimizers, clipping and checkpoints work over blocks, so that a model is
/// a handful of blocks (embedding, recurrent stack, head), each updated by one launch.
public protocol ParameterBlock: AnyObject {
    var backend: any Backend { get }
    var parameterLayout: ParameterLayout { get }
    var parameters: any DeviceBuffer { get }
    var gradients: any DeviceBuffer { get }
    /// Called after `parameters` were written (by `setParameter`, `loadParameters`, `Optimizer.update`):
    /// a `RecurrentLayer` then refuses to backpropagate a forward made before. Others need not care.
    func parametersChanged()
}

extension ParameterBlock {
    /// Default `parametersChanged()`: nothing, for blocks that keep nothing derived from their parameters.
    public func parametersChanged() {}

    /// The whole flat buffer as one row (padding included: it stays zero in both buffers).
    var parameterRow: Matrix { Matrix(parameters, rows: 1, cols: parameterLayout.totalCount) }
    /// The gradient buffer as one row, as `parameterRow`.
    var gradientRow: Matrix { Matrix(gradients, rows: 1, cols: parameterLayout.totalCount) }

    /// Sets every gradient to zero: backward passes add to them until this is called.
    public func zeroGradients() throws {
        try backend.fill(gradientRow, value: 0)
    }

    /// A parameter by name as a (rows, cols) view: 2-D parameters as they are, vectors as one row.
    func view(_ name: String, in buffer: any DeviceBuffer) -> Matrix? {
        guard let entry = parameterLayout.entry(name) else { return nil }
        let rows = entry.shape.count == 2 ? entry.shape[0] : 1
        return Matrix(buffer, offset: entry.offset, rows: rows, cols: entry.count / max(rows, 1))
    }

    /// The named parameter's values, row-major; an unknown name throws `unexpectedParameter`.
    public func parameter(_ name: String) throws -> [Float] {
        guard let entry = parameterLayout.entry(name) else { throw RecurError.unexpectedParameter(name) }
        return try backend.download(parameters, offset: entry.offset, count: entry.count)
    }

    /// The named parameter's gradient, row-major; an unknown name throws `unexpectedParameter`.
    public func gradient(_ name: String) throws -> [Float] {
        guard let entry = parameterLayout.entry(name) else { throw RecurError.unexpectedParameter(name) }
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
        defer { parametersChanged() }  // even when an upload failed part way
        for entry in parameterLayout.entries {
            try backend.upload(values[entry.name]!.values, to: parameters, offset: entry.offset)
        }
    }

    /// Overwrites one parameter with `values` (row-major, its element count) and calls `parametersChanged()`.
    public func setParameter(_ name: String, _ values: [Float]) throws {
        guard let entry = parameterLayout.entry(name) else { throw RecurError.unexpectedParameter(name) }
        guard values.count == entry.count else {
            throw RecurError.shapeMismatch(tensor: name, actual: [values.count], expected: entry.shape)
        }
        defer { parametersChanged() }
        try backend.upload(values, to: parameters, offset: entry.offset)
    }
}

extension RecurrentLayer: ParameterBlock {}

/// Fills a new block's parameters uniformly in [-bound, bound), PyTorch's default for RNNs and Linear.
func initializeUniform(_ block: ParameterBlock, bound: Float, generator: inout SeededGenerator) throws {
    var values = [Float](repeating: 0, count: block.parameterLayout.totalCount)
    for entry in block.parameterLayout.entries {
        for i in entry.offset..<(entry.offset + entry.count) { values[i] = generator.uniform(-bound, bound) }
    }
    try block.backend.upload(values, to: block.parameters, offset: 0)
}

/// PyTorch's nn.Linear: y = x W^T + b with W (out, in), b (out). Forward beside backward.
/// Parameter names: `weight`, `bias`. Initialised uniform in [-1/sqrt(in), 1/sqrt(in)) like PyTorch.
public final class Linear: ParameterBlock {
    /// in: features of each input row.
    public let inputSize: Int
    /// out: features of each output row.
    public let outputSize: Int
    /// The backend that holds the parameters and runs the layer.
    public let backend: any Backend
    /// `weight` (out, in), then `bias` (out).
    public let parameterLayout: ParameterLayout
    /// `weight` and `bias`, at `parameterLayout`'s offsets.
    public let parameters: any DeviceBuffer
    /// d(loss)/d(parameters), same layout; accumulated by `backward`.
    public let gradients: any DeviceBuffer

    /// Throws for a size below 1 or above `Limits`; the parameters are drawn from `seed`.
    public init(inputSize: Int, outputSize: Int, backend: any Backend, seed: UInt64 = 0) throws {
        guard inputSize >= 1, outputSize >= 1 else {
            throw RecurError.invalidConfiguration("a linear layer needs sizes of at least 1, got \(inputSize) -> \(outputSize)")
        }
        try Limits.check(inputSize, "a linear layer's input size", maximum: Limits.maxInputSize)
        try Limits.check(outputSize, "a linear layer's output size", maximum: Limits.maxVocabularySize)
        self.inputSize = inputSize
        self.outputSize = outputSize
        self.backend = backend
        parameterLayout = try ParameterLayout(shapes: [("weight", [outputSize, inputSize]), ("bias", [outputSize])])
        parameters = try backend.makeBuffer(count: parameterLayout.totalCount)
        gradients = try backend.makeBuffer(count: parameterLayout.totalCount)
        var generator = SeededGenerator(seed: seed)
        try initializeUniform(self, bound: 1 / Float(inputSize).squareRoot(), generator: &generator)
    }

    /// x (..., in) -> y (..., out): every leading axis is a row.
    public func forward(_ x: Tensor) throws -> Tensor {
        guard x.shape.last == inputSize else {
            throw RecurError.featureMismatch(tensor: "linear input", actual: x.shape.last ?? 0, expected: inputSize)
        }
        let rows = x.matrix.rows
        let y = Tensor(shape: Array(x.shape.dropLast()) + [outputSize], buffer: try backend.makeScratchBuffer(count: rows * outputSize))
        try backend.gemm(transA: false, transB: true, alpha: 1, x.matrix, view("weight", in: parameters)!, beta: 0, y.matrix)
        try backend.addRowVector(view("bias", in: parameters)!, to: y.matrix)
        return y
    }

    /// Given the forward's input x (..., in) and dy (..., out): dW += dy^T x, db += column sums of
    /// dy; returns dx (..., in) = dy W.
    public func backward(_ x: Tensor, gradient dy: Tensor) throws -> Tensor {
        guard dy.shape == Array(x.shape.dropLast()) + [outputSize] else {
            throw RecurError.shapeMismatch(tensor: "linear output gradient", actual: dy.shape, expected: Array(x.shape.dropLast()) + [outputSize])
        }
        try backend.gemm(transA: true, transB: false, alpha: 1, dy.matrix, x.matrix, beta: 1, view("weight", in: gradients)!)
        try backend.sumRows(dy.matrix, into: view("bias", in: gradients)!, accumulate: true)
        let dx = Tensor(shape: x.shape, buffer: try backend.makeScratchBuffer(count: x.count))
        try backend.gemm(transA: false, transB: false, alpha: 1, dy.matrix, view("weight", in: parameters)!, beta: 0, dx.matrix)
        return dx
    }
}

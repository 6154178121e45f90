import Foundation

/// PyTorch's nn.Embedding: a (V, E) table whose rows are looked up by token id. Forward beside
/// backward. Parameter name: `weight`. Initialised N(0, 1) like PyTorch.
public final class Embedding: ParameterBlock {
    /// V: rows of the table; token ids lie in 0..<V.
    public let vocabularySize: Int
    /// E: features per token.
    public let embeddingSize: Int
    /// Where the table and its gradient live.
    public let backend: any Backend
    /// One entry: `weight`, (V, E).
    public let parameterLayout: ParameterLayout
    /// The (V, E) table, flat as `parameterLayout` places it.
    public let parameters: any DeviceBuffer
    /// The table's gradient, in the same layout; `backward` adds to it.
    public let gradients: any DeviceBuffer

    /// A (V, E) table drawn N(0, 1) from `seed`; throws for a size below 1 or above `Limits`.
    public init(vocabularySize: Int, embeddingSize: Int, backend: any Backend, seed: UInt64 = 0) throws {
        guard vocabularySize >= 1, embeddingSize >= 1 else {
            throw RecurError.invalidConfiguration(
                "an embedding needs a vocabulary and a size of at least 1, got \(vocabularySize) x \(embeddingSize)")
        }
        try Limits.check(vocabularySize, "the vocabulary size", maximum: Limits.maxVocabularySize)
        try Limits.check(embeddingSize, "the embedding size", maximum: Limits.maxInputSize)
        self.vocabularySize = vocabularySize
        self.embeddingSize = embeddingSize
        self.backend = backend
        parameterLayout = try ParameterLayout(shapes: [("weight", [vocabularySize, embeddingSize])])
        parameters = try backend.makeBuffer(count: parameterLayout.totalCount)
        gradients = try backend.makeBuffer(count: parameterLayout.totalCount)
        var generator = SeededGenerator(seed: seed)
        try backend.upload((0..<parameterLayout.totalCount).map { _ in generator.normal() }, to: parameters, offset: 0)
    }

    /// The (V, E) table.
    var table: Matrix { view("weight", in: parameters)! }

    /// Token ids of any shape -> their rows of the table, shape (..., E). The ids must lie in
    /// 0..<V (`Backend.indices` checks them with `limit: vocabularySize`).
    public func forward(_ tokens: IndexTensor) throws -> Tensor {
        let out = Tensor(shape: tokens.shape + [embeddingSize], buffer: try backend.makeScratchBuffer(count: tokens.count * embeddingSize))
        try backend.gatherRows(table, indices: tokens.buffer, into: out.matrix)
        return out
    }

    /// Adds the gradient of the looked-up rows, shape (..., E) like the forward's result, into the
    /// table's gradient.
    public func backward(_ tokens: IndexTensor, gradient: Tensor) throws {
        guard gradient.shape == tokens.shape + [embeddingSize] else {
            throw RecurError.shapeMismatch(tensor: "embedding gradient", actual: gradient.shape, expected: tokens.shape + [embeddingSize])
        }
        try backend.scatterAddRows(gradient.matrix, indices: tokens.buffer, into: view("weight", in: gradients)!)
    }
}

extension SeededGenerator {
    /// A standard normal value (Box-Muller), like torch.randn's distribution.
    public mutating func normal() -> Float {
        let u = max(Double(uniform(0, 1)), 1e-12), v = Double(uniform(0, 1))
        return Float((-2 * Foundation.log(u)).squareRoot() * Foundation.cos(2 * Double.pi * v))
    }
}

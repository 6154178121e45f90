import Foundation

/// PyTorch's nn.Embedding: a (V, E) table whose rows are looked up by token id. Forward beside
/// backward. Parameter name: `weight`. Initialised N(0, 1) like PyTorch.
public final class Embedding: ParameterBlock {
    public let vocabularySize: Int
    public let embeddingSize: Int
    public let backend: any Backend
    public let parameterLayout: ParameterLayout
    public let parameters: any DeviceBuffer
    public let gradients: any DeviceBuffer

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
    public var table: Matrix { view("weight", in: parameters)! }

    /// (N) token ids -> (N, E) rows of the table.
    public func forward(_ tokens: IndexTensor) throws -> Matrix {
        let out = Matrix(try backend.makeScratchBuffer(count: tokens.count * embeddingSize), rows: tokens.count, cols: embeddingSize)
        try backend.gatherRows(table, indices: tokens.buffer, into: out)
        return out
    }

    /// Adds the (N, E) gradient of the looked-up rows into the table's gradient.
    public func backward(_ tokens: IndexTensor, gradient: Matrix) throws {
        try backend.scatterAddRows(gradient, indices: tokens.buffer, into: view("weight", in: gradients)!)
    }
}

extension SeededGenerator {
    /// A standard normal value (Box-Muller), like torch.randn's distribution.
    public mutating func normal() -> Float {
        let u = max(Double(uniform(0, 1)), 1e-12), v = Double(uniform(0, 1))
        return Float((-2 * Foundation.log(u)).squareRoot() * Foundation.cos(2 * Double.pi * v))
    }
}

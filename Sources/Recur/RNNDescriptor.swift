/// The shape of a recurrent stack, PyTorch's `nn.RNN` / `nn.LSTM` / `nn.GRU` arguments.
///
/// Validated once at construction; every later shape check is against these numbers.
public struct RNNDescriptor: Equatable, Sendable, Codable {
    public let mode: CellMode
    public let inputSize: Int
    public let hiddenSize: Int
    public let numLayers: Int
    public let bidirectional: Bool
    public let bias: Bool
    /// Sequences are (B, T, I) instead of (T, B, I); outputs follow the same layout.
    public let batchFirst: Bool
    /// Probability of zeroing each input of layers above the first, in training (PyTorch's `dropout`).
    public let dropout: Float

    public init(
        mode: CellMode, inputSize: Int, hiddenSize: Int, numLayers: Int = 1,
        bidirectional: Bool = false, bias: Bool = true, batchFirst: Bool = false, dropout: Float = 0
    ) throws {
        guard inputSize >= 1 else {
            throw RecurError.invalidConfiguration("input size must be at least 1, got \(inputSize)")
        }
        guard hiddenSize >= 1 else {
            throw RecurError.invalidConfiguration("hidden size must be at least 1, got \(hiddenSize)")
        }
        guard numLayers >= 1 else {
            throw RecurError.invalidConfiguration("number of layers must be at least 1, got \(numLayers)")
        }
        guard dropout >= 0, dropout < 1 else {
            throw RecurError.invalidConfiguration("dropout must be in [0, 1), got \(dropout)")
        }
        self.mode = mode
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.numLayers = numLayers
        self.bidirectional = bidirectional
        self.bias = bias
        self.batchFirst = batchFirst
        self.dropout = dropout
    }

    /// D: 2 when bidirectional, else 1.
    public var directions: Int { bidirectional ? 2 : 1 }
    /// G: rows of the weights per hidden unit.
    public var gateCount: Int { mode.gateCount }
    /// I_k: input features of layer k (H*D above the first layer).
    public func inputSize(ofLayer layer: Int) -> Int { layer == 0 ? inputSize : hiddenSize * directions }
    /// Features of each output step: H*D.
    public var outputSize: Int { hiddenSize * directions }
    /// Rows of h0 / h_n / c0 / c_n: L*D.
    public var stateCount: Int { numLayers * directions }
}

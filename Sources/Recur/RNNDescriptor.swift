/// The shape of a recurrent stack, PyTorch's `nn.RNN` / `nn.LSTM` / `nn.GRU` arguments.
///
/// Validated once at construction (sizes within `Limits`, the parameter layout computed with
/// overflow-checked arithmetic); every later shape check is against these numbers. Decoding goes
/// through the same checks.
public struct RNNDescriptor: Equatable, Sendable, Codable {
    /// The cell: Elman RNN (tanh or ReLU), LSTM or GRU.
    public let mode: CellMode
    /// I: features of each input step.
    public let inputSize: Int
    /// H: features of the hidden state of each direction.
    public let hiddenSize: Int
    /// L: layers stacked, each feeding the next.
    public let numLayers: Int
    /// Whether each layer also runs a reverse direction (D = 2), its output beside the forward one's.
    public let bidirectional: Bool
    /// Whether the layers have `bias_ih` and `bias_hh` (PyTorch's `bias`).
    public let bias: Bool
    /// Sequences are (B, T, I) instead of (T, B, I); outputs follow the same layout.
    public let batchFirst: Bool
    /// Probability of zeroing each input of layers above the first, in training (PyTorch's `dropout`).
    public let dropout: Float
    /// The parameters of this stack in PyTorch's state_dict order, made (and checked) once.
    public let parameterLayout: ParameterLayout

    /// Throws a `RecurError` when a size is outside `Limits` or dropout is not in [0, 1).
    public init(
        mode: CellMode, inputSize: Int, hiddenSize: Int, numLayers: Int = 1,
        bidirectional: Bool = false, bias: Bool = true, batchFirst: Bool = false, dropout: Float = 0
    ) throws {
        try Limits.check(inputSize, "input size", maximum: Limits.maxInputSize)
        try Limits.check(hiddenSize, "hidden size", maximum: Limits.maxHiddenSize)
        try Limits.check(numLayers, "number of layers", maximum: Limits.maxLayers)
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
        parameterLayout = try Self.makeParameterLayout(
            gateCount: mode.gateCount, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers,
            directions: bidirectional ? 2 : 1, bias: bias)
    }

    private enum CodingKeys: String, CodingKey {
        case mode, inputSize, hiddenSize, numLayers, bidirectional, bias, batchFirst, dropout
    }

    /// Decoded values are as untrusted as any: they pass the initialiser's checks.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            mode: try c.decode(CellMode.self, forKey: .mode), inputSize: try c.decode(Int.self, forKey: .inputSize),
            hiddenSize: try c.decode(Int.self, forKey: .hiddenSize), numLayers: try c.decode(Int.self, forKey: .numLayers),
            bidirectional: try c.decode(Bool.self, forKey: .bidirectional), bias: try c.decode(Bool.self, forKey: .bias),
            batchFirst: try c.decode(Bool.self, forKey: .batchFirst), dropout: try c.decode(Float.self, forKey: .dropout))
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

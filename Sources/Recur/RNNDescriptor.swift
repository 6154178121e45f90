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
    /// P: an LSTM's projection of its hidden state (PyTorch's `proj_size`), 0 for none. With one,
    /// h_t = W_hr (o_t * tanh(c_t)) has P features instead of H: the layer's output, h0 and h_n are
    /// P wide per direction, W_hh is (4H, P), and c stays H wide.
    public let projectionSize: Int
    /// Layer-normalised LSTM or GRU cells (shared/fixtures/FORMAT.md, "Layer-normalised cells"): the
    /// input and recurrent projections are normalised per row, each with a gain
    /// (`ln_ih_weight`, `ln_hh_weight`), and the LSTM's c' before its tanh (`ln_cell_weight`,
    /// `ln_cell_bias`). See `LayerNormLSTMForwardStep` for the equations.
    public let layerNorm: Bool
    /// The normalisation's epsilon, added to the variance (1e-5, as haste and FORMAT.md use).
    public let layerNormEpsilon: Float
    /// Zoneout (Krueger et al. 2016) of the LSTM's and GRU's states, 0 for none: in training each
    /// unit of h (and of the LSTM's c) keeps its previous value with this probability
    /// (`ZoneoutMask`), in evaluation the state is p * previous + (1 - p) * new.
    public let zoneout: Float
    /// cuDNN's LSTM cell clipping, 0 for none: each step's c is clamped to [-cellClip, cellClip]
    /// before h = o * tanh(c) is taken from it, and no gradient passes where it was clamped.
    public let cellClip: Float
    /// The parameters of this stack in PyTorch's state_dict order, made (and checked) once.
    public let parameterLayout: ParameterLayout

    /// Throws a `RecurError` when a size is outside `Limits` or dropout is not in [0, 1).
    public init(
        mode: CellMode, inputSize: Int, hiddenSize: Int, numLayers: Int = 1,
        bidirectional: Bool = false, bias: Bool = true, batchFirst: Bool = false, dropout: Float = 0,
        projectionSize: Int = 0, layerNorm: Bool = false, layerNormEpsilon: Float = 1e-5, zoneout: Float = 0,
        cellClip: Float = 0
    ) throws {
        try Limits.check(inputSize, "input size", maximum: Limits.maxInputSize)
        try Limits.check(hiddenSize, "hidden size", maximum: Limits.maxHiddenSize)
        try Limits.check(numLayers, "number of layers", maximum: Limits.maxLayers)
        guard dropout >= 0, dropout < 1 else {
            throw RecurError.invalidConfiguration("dropout must be in [0, 1), got \(dropout)")
        }
        if projectionSize != 0 {
            // PyTorch's own rules for proj_size.
            guard mode == .lstm else {
                throw RecurError.invalidConfiguration(
                    "a projection (proj_size \(projectionSize)) is only for LSTM layers, not \(mode.rawValue)")
            }
            guard projectionSize > 0, projectionSize < hiddenSize else {
                throw RecurError.invalidConfiguration(
                    "the projection size must be between 1 and the hidden size - 1 (\(hiddenSize - 1)), got \(projectionSize)")
            }
        }
        self.mode = mode
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.numLayers = numLayers
        self.bidirectional = bidirectional
        self.bias = bias
        self.batchFirst = batchFirst
        self.dropout = dropout
        self.projectionSize = projectionSize
        if layerNorm {
            guard mode == .lstm || mode == .gru else {
                throw RecurError.invalidConfiguration("layer normalisation is defined for LSTM and GRU cells, not \(mode.rawValue)")
            }
            guard projectionSize == 0 else {
                throw RecurError.invalidConfiguration("a layer-normalised LSTM with a projection is not supported yet")
            }
            guard layerNormEpsilon > 0, layerNormEpsilon.isFinite else {
                throw RecurError.invalidConfiguration("the layer-norm epsilon must be positive, got \(layerNormEpsilon)")
            }
        }
        self.layerNorm = layerNorm
        self.layerNormEpsilon = layerNormEpsilon
        if zoneout != 0 {
            guard zoneout > 0, zoneout < 1 else {
                throw RecurError.invalidConfiguration("zoneout must be in [0, 1), got \(zoneout)")
            }
            guard mode == .lstm || mode == .gru else {
                throw RecurError.invalidConfiguration("zoneout is for LSTM and GRU cells, not \(mode.rawValue)")
            }
            guard projectionSize == 0 else {
                throw RecurError.invalidConfiguration("zoneout with an LSTM projection is not supported yet")
            }
        }
        self.zoneout = zoneout
        if cellClip != 0 {
            guard cellClip > 0, cellClip.isFinite else {
                throw RecurError.invalidConfiguration("the cell clip must be positive, got \(cellClip)")
            }
            guard mode == .lstm else {
                throw RecurError.invalidConfiguration("cell clipping is for LSTM cells, not \(mode.rawValue)")
            }
            guard !layerNorm, projectionSize == 0 else {
                throw RecurError.invalidConfiguration("cell clipping with a layer-normalised LSTM or a projection is not supported yet")
            }
        }
        self.cellClip = cellClip
        parameterLayout = try Self.makeParameterLayout(
            gateCount: mode.gateCount, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers,
            directions: bidirectional ? 2 : 1, bias: bias, projectionSize: projectionSize, layerNorm: layerNorm)
    }

    private enum CodingKeys: String, CodingKey {
        case mode, inputSize, hiddenSize, numLayers, bidirectional, bias, batchFirst, dropout, projectionSize
        case layerNorm, layerNormEpsilon, zoneout, cellClip
    }

    /// Decoded values are as untrusted as any: they pass the initialiser's checks.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            mode: try c.decode(CellMode.self, forKey: .mode), inputSize: try c.decode(Int.self, forKey: .inputSize),
            hiddenSize: try c.decode(Int.self, forKey: .hiddenSize), numLayers: try c.decode(Int.self, forKey: .numLayers),
            bidirectional: try c.decode(Bool.self, forKey: .bidirectional), bias: try c.decode(Bool.self, forKey: .bias),
            batchFirst: try c.decode(Bool.self, forKey: .batchFirst), dropout: try c.decode(Float.self, forKey: .dropout),
            // Absent from descriptors written before projections existed.
            projectionSize: try c.decodeIfPresent(Int.self, forKey: .projectionSize) ?? 0,
            layerNorm: try c.decodeIfPresent(Bool.self, forKey: .layerNorm) ?? false,
            layerNormEpsilon: try c.decodeIfPresent(Float.self, forKey: .layerNormEpsilon) ?? 1e-5,
            zoneout: try c.decodeIfPresent(Float.self, forKey: .zoneout) ?? 0,
            cellClip: try c.decodeIfPresent(Float.self, forKey: .cellClip) ?? 0)
    }

    /// `Encodable`: every field by name, `projectionSize` only when nonzero (descriptors without one read as before).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(mode, forKey: .mode); try c.encode(inputSize, forKey: .inputSize)
        try c.encode(hiddenSize, forKey: .hiddenSize); try c.encode(numLayers, forKey: .numLayers)
        try c.encode(bidirectional, forKey: .bidirectional); try c.encode(bias, forKey: .bias)
        try c.encode(batchFirst, forKey: .batchFirst); try c.encode(dropout, forKey: .dropout)
        if projectionSize != 0 { try c.encode(projectionSize, forKey: .projectionSize) }
        if layerNorm {
            try c.encode(layerNorm, forKey: .layerNorm)
            try c.encode(layerNormEpsilon, forKey: .layerNormEpsilon)
        }
        if zoneout != 0 { try c.encode(zoneout, forKey: .zoneout) }
        if cellClip != 0 { try c.encode(cellClip, forKey: .cellClip) }
    }

    /// D: 2 when bidirectional, else 1.
    public var directions: Int { bidirectional ? 2 : 1 }
    /// G: rows of the weights per hidden unit.
    public var gateCount: Int { mode.gateCount }
    /// Whether the layers project their hidden state (`projectionSize` > 0).
    public var hasProjection: Bool { projectionSize > 0 }
    /// Features of h per direction: P with a projection, else H (c is always H wide).
    public var stateSize: Int { hasProjection ? projectionSize : hiddenSize }
    /// I_k: input features of layer k (D times `stateSize` above the first layer).
    public func inputSize(ofLayer layer: Int) -> Int { layer == 0 ? inputSize : stateSize * directions }
    /// Features of each output step: D times `stateSize`.
    public var outputSize: Int { stateSize * directions }
    /// Floats per row of the activations a training forward keeps per step for the backward: the
    /// cell's (`CellMode.savedWidth` units), or the layer-normalised LSTM's (`LayerNormLSTM`).
    var savedWidth: Int {
        layerNorm && mode == .lstm ? LayerNormLSTM.savedWidth(hidden: hiddenSize) : mode.savedWidth * hiddenSize
    }
    /// Rows of h0 / h_n / c0 / c_n: L*D.
    public var stateCount: Int { numLayers * directions }
}

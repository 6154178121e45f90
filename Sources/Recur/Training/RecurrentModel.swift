/// The shape of a model: an optional embedding, a recurrent stack, a linear head.
public struct ModelConfiguration: Codable, Equatable, Sendable {
    /// Token inputs through an embedding of `inputSize`; nil for float features of `inputSize`.
    public var vocabularySize: Int?
    /// I: features of each step the recurrent stack reads (PyTorch's `input_size`): the features
    /// themselves, or with token inputs the embedding's width (`embeddingSize` reads it so).
    public var inputSize: Int
    /// The recurrent cell: Elman RNN (tanh or ReLU), LSTM or GRU.
    public var mode: CellMode
    /// H: hidden units per layer and direction.
    public var hiddenSize: Int
    /// L: stacked recurrent layers.
    public var numLayers: Int
    /// Whether each layer also runs backward in time (D = 2); the head then reads both directions.
    public var bidirectional: Bool
    /// Dropout probability on the input of every recurrent layer but the first, in training (PyTorch's `dropout`).
    public var dropout: Float
    /// Whether the recurrent layers have their biases (PyTorch's `bias`; the head always has one).
    public var bias: Bool
    /// Inputs (B, T) tokens or (B, T, I) features, and per-step predictions and targets batch-major
    /// (row b*T + t), as PyTorch's `batch_first`; otherwise time-major (row t*B + b).
    public var batchFirst: Bool
    /// Classes (or vocabulary, for a language model) or regression outputs of the head.
    public var outputSize: Int
    /// An LSTM's projection of h (PyTorch's `proj_size`), 0 for none: the head then reads P features
    /// per direction (`RNNDescriptor.projectionSize`).
    public var projectionSize: Int
    /// Layer-normalised LSTM or GRU cells (`RNNDescriptor.layerNorm`).
    public var layerNorm: Bool
    /// Zoneout of the LSTM's or GRU's states, 0 for none (`RNNDescriptor.zoneout`).
    public var zoneout: Float
    /// The LSTM's cell clip, 0 for none (`RNNDescriptor.cellClip`).
    public var cellClip: Float

    /// Memberwise, with PyTorch's defaults for the recurrent stack; nothing is checked until a model is made.
    public init(vocabularySize: Int?, inputSize: Int, mode: CellMode, hiddenSize: Int, numLayers: Int = 1,
                bidirectional: Bool = false, dropout: Float = 0, bias: Bool = true, batchFirst: Bool = false,
                projectionSize: Int = 0, layerNorm: Bool = false, zoneout: Float = 0, cellClip: Float = 0,
                outputSize: Int) {
        self.vocabularySize = vocabularySize; self.inputSize = inputSize; self.mode = mode
        self.hiddenSize = hiddenSize; self.numLayers = numLayers; self.bidirectional = bidirectional
        self.dropout = dropout; self.bias = bias; self.batchFirst = batchFirst; self.projectionSize = projectionSize
        self.layerNorm = layerNorm; self.zoneout = zoneout; self.cellClip = cellClip; self.outputSize = outputSize
    }

    /// The embedding's width (`inputSize`) for token inputs; nil for float features, which have none.
    public var embeddingSize: Int? { vocabularySize == nil ? nil : inputSize }

    /// A character or word language model: embedding -> RNN -> head over the vocabulary.
    public static func languageModel(vocabularySize: Int, embeddingSize: Int, mode: CellMode, hiddenSize: Int,
                                     numLayers: Int, dropout: Float = 0, projectionSize: Int = 0,
                                     layerNorm: Bool = false, zoneout: Float = 0, cellClip: Float = 0) -> ModelConfiguration {
        ModelConfiguration(vocabularySize: vocabularySize, inputSize: embeddingSize, mode: mode, hiddenSize: hiddenSize,
                           numLayers: numLayers, dropout: dropout, projectionSize: projectionSize, layerNorm: layerNorm,
                           zoneout: zoneout, cellClip: cellClip, outputSize: vocabularySize)
    }

    /// The recurrent stack's descriptor; throws when a field is out of range (`RNNDescriptor`'s checks).
    public var descriptor: RNNDescriptor {
        get throws {
            try RNNDescriptor(mode: mode, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers,
                              bidirectional: bidirectional, bias: bias, batchFirst: batchFirst, dropout: dropout,
                              projectionSize: projectionSize, layerNorm: layerNorm, zoneout: zoneout, cellClip: cellClip)
        }
    }
}

extension ModelConfiguration {
    /// Decodes the configurations checkpoints store, those written before `bias`, `batchFirst` and
    /// `projectionSize`, `layerNorm`, `zoneout` and `cellClip` existed included (their layers had
    /// biases, were time-major, projected nothing, normalised nothing, had no zoneout or clip).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(vocabularySize: try c.decodeIfPresent(Int.self, forKey: .vocabularySize),
                  inputSize: try c.decode(Int.self, forKey: .inputSize), mode: try c.decode(CellMode.self, forKey: .mode),
                  hiddenSize: try c.decode(Int.self, forKey: .hiddenSize), numLayers: try c.decode(Int.self, forKey: .numLayers),
                  bidirectional: try c.decode(Bool.self, forKey: .bidirectional), dropout: try c.decode(Float.self, forKey: .dropout),
                  bias: try c.decodeIfPresent(Bool.self, forKey: .bias) ?? true,
                  batchFirst: try c.decodeIfPresent(Bool.self, forKey: .batchFirst) ?? false,
                  projectionSize: try c.decodeIfPresent(Int.self, forKey: .projectionSize) ?? 0,
                  layerNorm: try c.decodeIfPresent(Bool.self, forKey: .layerNorm) ?? false,
                  zoneout: try c.decodeIfPresent(Float.self, forKey: .zoneout) ?? 0,
                  cellClip: try c.decodeIfPresent(Float.self, forKey: .cellClip) ?? 0,
                  outputSize: try c.decode(Int.self, forKey: .outputSize))
    }
}

/// What a model reads: token ids (T, B) through its embedding, or float features (T, B, I); (B, T)
/// and (B, T, I) for a `batchFirst` model.
public enum SequenceInput {
    case tokens(IndexTensor)
    case features(Tensor)
}

/// A recurrent state carried between calls (truncated BPTT, generation): (L*D, B, H) each; h is
/// (L*D, B, P) in an LSTM with a projection.
/// Carried without gradient: a backward never flows into the previous chunk.
public struct RecurrentState {
    /// The hidden state: (L*D, B, H), or (L*D, B, P) with a projection.
    public var h: Tensor
    /// The cell state (L*D, B, H) of an LSTM; nil for other cells.
    public var c: Tensor?

    /// Memberwise.
    public init(h: Tensor, c: Tensor?) {
        self.h = h
        self.c = c
    }
}

/// Embedding (optional) -> recurrent stack -> linear head, owning its parameters under PyTorch's
/// names (`embedding.weight`, `rnn.weight_ih_l0`, ..., `head.weight`, `head.bias`). The classic
/// mappings are in RecurrentModel+Mappings.swift.
public final class RecurrentModel {
    /// The shape it was made with.
    public let configuration: ModelConfiguration
    /// Where its parameters live and its operations run.
    public let backend: any Backend
    /// The token embedding (`embedding.weight`), or nil for float feature inputs.
    public let embedding: Embedding?
    /// The recurrent stack (`rnn.` parameters).
    public let rnn: RecurrentLayer
    /// The linear head from the stack's output features to `outputSize` (`head.weight`, `head.bias`).
    public let head: Linear

    /// A model on `backend`, initialised as PyTorch does and repeatably from `seed`; throws for a
    /// configuration out of range.
    public init(_ configuration: ModelConfiguration, backend: any Backend, seed: UInt64 = 0) throws {
        self.configuration = configuration
        self.backend = backend
        if let vocabularySize = configuration.vocabularySize {
            embedding = try Embedding(vocabularySize: vocabularySize, embeddingSize: configuration.inputSize,
                                      backend: backend, seed: seed &+ 1)
        } else {
            embedding = nil
        }
        rnn = try RecurrentLayer(try configuration.descriptor, backend: backend, seed: seed &+ 2)
        head = try Linear(inputSize: rnn.descriptor.outputSize,
                          outputSize: configuration.outputSize, backend: backend, seed: seed &+ 3)
    }

    /// Every parameter block with its name prefix, in state_dict order.
    public var namedBlocks: [(prefix: String, block: any ParameterBlock)] {
        var blocks: [(prefix: String, block: any ParameterBlock)] = []
        if let embedding { blocks.append(("embedding.", embedding)) }
        blocks.append(("rnn.", rnn))
        blocks.append(("head.", head))
        return blocks
    }

    /// Every parameter block in state_dict order, for optimizers, clipping and checkpoints.
    public var blocks: [any ParameterBlock] { namedBlocks.map(\.block) }

    /// Every parameter's full name and shape.
    public var parameterNames: [(name: String, shape: [Int])] {
        namedBlocks.flatMap { prefix, block in block.parameterLayout.entries.map { (prefix + $0.name, $0.shape) } }
    }

    /// Sets every block's gradients to zero: backward passes add to them until this is called.
    public func zeroGradients() throws {
        for block in blocks { try block.zeroGradients() }
    }

    /// The block and local name of a full parameter name.
    func locate(_ name: String) throws -> (block: any ParameterBlock, local: String) {
        for (prefix, block) in namedBlocks where name.hasPrefix(prefix) {
            let local = String(name.dropFirst(prefix.count))
            if block.parameterLayout.entry(local) != nil { return (block, local) }
        }
        throw RecurError.unexpectedParameter(name)
    }

    /// A parameter by its full name (`rnn.weight_ih_l0`), row-major; an unknown name throws `unexpectedParameter`.
    public func parameter(_ name: String) throws -> [Float] {
        let (block, local) = try locate(name)
        return try block.parameter(local)
    }

    /// A parameter's gradient by its full name, row-major; an unknown name throws `unexpectedParameter`.
    public func gradient(_ name: String) throws -> [Float] {
        let (block, local) = try locate(name)
        return try block.gradient(local)
    }

    /// Overwrites a parameter by its full name with `values` (row-major, its element count).
    public func setParameter(_ name: String, _ values: [Float]) throws {
        let (block, local) = try locate(name)
        try block.setParameter(local, values)
    }
}

/// Where each parameter of a recurrent stack lives in one flat buffer, in PyTorch's names, shapes
/// and order (`weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`, an LSTM's projection `weight_hr_l0`,
/// then `_reverse`, then l1 ...).
///
/// One flat buffer (like cuDNN's weight space) lets optimizers, clipping and gradient norms run as
/// single operations, and the gradients use the very same layout.
public struct ParameterLayout: Sendable, Equatable {
    /// One parameter: its PyTorch name and shape, and where it lies in the flat buffer.
    public struct Entry: Sendable, Equatable {
        /// PyTorch's name: `weight_ih_l0`, `bias_hh_l1_reverse`.
        public let name: String
        /// PyTorch's shape, e.g. [G*H, H] for `weight_hh_l0`.
        public let shape: [Int]
        /// First element in the flat buffer.
        public let offset: Int
        /// Elements of the shape; computed once, overflow-checked, when the layout is made.
        public let count: Int
    }

    /// Offsets are multiples of this many elements (128 bytes): aligned vector loads on every device.
    public static let alignment = 32

    /// Every parameter, in buffer order.
    public let entries: [Entry]
    /// Elements of the flat buffer, padding included.
    public let totalCount: Int

    /// Lays out `shapes` in order. Shapes may come from a file's metadata, so every product and the
    /// running offset are overflow-checked: a corrupt size is an error, never a trap.
    public init(shapes: [(name: String, shape: [Int])]) throws {
        var entries: [Entry] = []
        var offset = 0
        for (name, shape) in shapes {
            let count = try CheckedSize.product(shape, "the size of parameter \(name)")
            entries.append(Entry(name: name, shape: shape, offset: offset, count: count))
            let padded = try CheckedSize.sum([count, Self.alignment - 1], "the size of parameter \(name)")
            offset = try CheckedSize.sum([offset, padded / Self.alignment * Self.alignment], "the parameter buffer")
        }
        self.entries = entries
        self.totalCount = offset
    }

    /// The parameter named `name`, or nil when there is none.
    public func entry(_ name: String) -> Entry? { entries.first { $0.name == name } }

    /// Parameter count, padding excluded (cannot overflow: it is at most `totalCount`).
    public var parameterCount: Int { entries.reduce(0) { $0 + $1.count } }
}

extension RNNDescriptor {
    /// PyTorch's suffix of a layer and direction: "_l1", "_l1_reverse".
    public static func suffix(layer: Int, direction: Int) -> String {
        "_l\(layer)" + (direction == 1 ? "_reverse" : "")
    }

    /// The parameters of a stack in PyTorch's state_dict order. Called by the descriptor's
    /// initialiser once the sizes are within `Limits`, so that the layout a descriptor holds is valid.
    static func makeParameterLayout(gateCount: Int, inputSize: Int, hiddenSize: Int, numLayers: Int,
                                    directions: Int, bias: Bool, projectionSize: Int, layerNorm: Bool) throws -> ParameterLayout {
        let gh = try CheckedSize.product([gateCount, hiddenSize], "gate rows (G*H)")
        let stateSize = projectionSize > 0 ? projectionSize : hiddenSize
        let upperInput = try CheckedSize.product([stateSize, directions], "the input of upper layers (D*H or D*P)")
        var shapes: [(name: String, shape: [Int])] = []
        for layer in 0..<numLayers {
            for direction in 0..<directions {
                let suffix = Self.suffix(layer: layer, direction: direction)
                shapes.append(("weight_ih" + suffix, [gh, layer == 0 ? inputSize : upperInput]))
                shapes.append(("weight_hh" + suffix, [gh, stateSize]))
                if bias {
                    shapes.append(("bias_ih" + suffix, [gh]))
                    shapes.append(("bias_hh" + suffix, [gh]))
                }
                // PyTorch puts the projection after the biases (nn.LSTM's _flat_weights_names).
                if projectionSize > 0 { shapes.append(("weight_hr" + suffix, [projectionSize, hiddenSize])) }
                // The layer-normalised cells' gains (and the LSTM's cell-state bias), FORMAT.md's names.
                if layerNorm {
                    shapes.append(("ln_ih_weight" + suffix, [gh]))
                    shapes.append(("ln_hh_weight" + suffix, [gh]))
                    if gateCount == 4 {
                        shapes.append(("ln_cell_weight" + suffix, [hiddenSize]))
                        shapes.append(("ln_cell_bias" + suffix, [hiddenSize]))
                    }
                }
            }
        }
        return try ParameterLayout(shapes: shapes)
    }
}

/// Where each parameter of a recurrent stack lives in one flat buffer, in PyTorch's names, shapes
/// and order (`weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`, then `_reverse`, then l1 ...).
///
/// One flat buffer (like cuDNN's weight space) lets optimizers, clipping and gradient norms run as
/// single operations, and the gradients use the very same layout.
public struct ParameterLayout: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let shape: [Int]
        /// First element in the flat buffer.
        public let offset: Int
        public var count: Int { shape.reduce(1, *) }
    }

    /// Offsets are multiples of this many elements (128 bytes): aligned vector loads on every device.
    public static let alignment = 32

    public let entries: [Entry]
    /// Elements of the flat buffer, padding included.
    public let totalCount: Int

    public init(shapes: [(name: String, shape: [Int])]) {
        var entries: [Entry] = []
        var offset = 0
        for (name, shape) in shapes {
            entries.append(Entry(name: name, shape: shape, offset: offset))
            let count = shape.reduce(1, *)
            offset += (count + Self.alignment - 1) / Self.alignment * Self.alignment
        }
        self.entries = entries
        self.totalCount = offset
    }

    public func entry(_ name: String) -> Entry? { entries.first { $0.name == name } }

    /// Parameter count, padding excluded.
    public var parameterCount: Int { entries.reduce(0) { $0 + $1.count } }
}

extension RNNDescriptor {
    /// PyTorch's suffix of a layer and direction: "_l1", "_l1_reverse".
    public static func suffix(layer: Int, direction: Int) -> String {
        "_l\(layer)" + (direction == 1 ? "_reverse" : "")
    }

    /// The parameters of this stack in PyTorch's state_dict order.
    public var parameterLayout: ParameterLayout {
        let gh = gateCount * hiddenSize
        var shapes: [(name: String, shape: [Int])] = []
        for layer in 0..<numLayers {
            for direction in 0..<directions {
                let suffix = Self.suffix(layer: layer, direction: direction)
                shapes.append(("weight_ih" + suffix, [gh, inputSize(ofLayer: layer)]))
                shapes.append(("weight_hh" + suffix, [gh, hiddenSize]))
                if bias {
                    shapes.append(("bias_ih" + suffix, [gh]))
                    shapes.append(("bias_hh" + suffix, [gh]))
                }
            }
        }
        return ParameterLayout(shapes: shapes)
    }
}

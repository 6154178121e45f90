/// A stack of recurrent layers, PyTorch's `nn.RNN`, `nn.LSTM` and `nn.GRU`: L layers, one or two
/// directions, optional biases, batch-first or time-first, variable lengths, an LSTM's projection.
///
/// Parameters live on the backend in one flat buffer (`parameterLayout` says where each PyTorch
/// name is); `backward` accumulates into `gradients`, which has the same layout, as PyTorch's
/// `.grad` does. Forward and backward (BPTT) are in RecurrentLayer+BPTT.swift; parameters by
/// PyTorch name (`parameter(_:)`, `setParameter(_:_:)`, `loadParameters(_:)`) come with
/// `ParameterBlock`.
///
/// A training forward records which layer made it and at which `parameterVersion`; `backward`
/// refuses any other layer's forward, and one made before the parameters changed
/// (RecurrentLayer+Provenance.swift).
public final class RecurrentLayer {
    /// The stack's shape, as constructed.
    public let descriptor: RNNDescriptor
    /// The backend that holds the parameters and runs every operation.
    public let backend: any Backend
    /// Where each parameter, by PyTorch name, lies in `parameters` (and `gradients`).
    public let parameterLayout: ParameterLayout
    /// Every parameter, at `parameterLayout`'s offsets.
    public let parameters: any DeviceBuffer
    /// d(loss)/d(parameters), same layout; accumulated by `backward`, cleared by `zeroGradients`.
    public let gradients: any DeviceBuffer
    /// Whether BPTT's scratch rows get `paddedStride`'s padding. Off only in the tests that check
    /// that padded and unpadded rows give the same results.
    package var padsScratchRows = true
    /// Unique among the process's layers (an ObjectIdentifier could be reused by a layer made at a
    /// freed one's address while its forward is still held).
    let identity = RecurrentLayer.nextIdentity()
    /// Counts the changes to `parameters` made through the API (`setParameter`, `loadParameters`, an
    /// `Optimizer` update); a write straight into the buffer must call `parametersChanged()`.
    public internal(set) var parameterVersion = 0
    /// Draws a fresh dropout mask seed for each training forward that is given none (as PyTorch draws
    /// a new mask each call); seeded from the layer's seed, saved in checkpoints (`Checkpoint`).
    public var dropoutGenerator: SeededGenerator

    /// Initialises as PyTorch does: every weight and bias uniform in [-1/sqrt(H), 1/sqrt(H)); the
    /// layer-normalised cells' gains 1 and cell-state bias 0.
    public init(_ descriptor: RNNDescriptor, backend: any Backend, seed: UInt64 = 0) throws {
        self.descriptor = descriptor
        self.backend = backend
        parameterLayout = descriptor.parameterLayout
        parameters = try backend.makeBuffer(count: parameterLayout.totalCount)
        gradients = try backend.makeBuffer(count: parameterLayout.totalCount)
        // A stream of its own (not the initialiser's), so that masks do not repeat the weights' draws.
        dropoutGenerator = SeededGenerator(seed: seed ^ 0xD209_0A7F_5EED_0001)
        var generator = SeededGenerator(seed: seed)
        try initializeUniform(self, bound: 1 / Float(descriptor.hiddenSize).squareRoot(), generator: &generator)
        // The normalisations start as the identity, as haste's and nn.LayerNorm's do: gains 1, bias 0.
        for entry in parameterLayout.entries where entry.name.hasPrefix("ln_") {
            let value: Float = entry.name.hasPrefix("ln_cell_bias") ? 0 : 1
            try backend.upload([Float](repeating: value, count: entry.count), to: parameters, offset: entry.offset)
        }
    }

    // MARK: Views the BPTT loop uses

    /// (G*H, I_l) weight_ih, (G*H, H) weight_hh (G*H, P with a projection), (1, G*H) biases and
    /// (P, H) weight_hr of one layer and direction.
    struct Weights {
        let inputWeight: Matrix
        let hiddenWeight: Matrix
        let inputBias: Matrix?
        let hiddenBias: Matrix?
        let projection: Matrix?
        /// The layer-normalised cells' (1, G*H) gains and the LSTM's (1, H) cell-state gain and bias.
        let layerNorm: LayerNormWeights?
    }

    /// `ln_ih_weight`, `ln_hh_weight` (1, G*H); `ln_cell_weight`, `ln_cell_bias` (1, H), LSTM only.
    struct LayerNormWeights {
        let inputGain: Matrix
        let hiddenGain: Matrix
        let cellGain: Matrix?
        let cellBias: Matrix?
    }

    func weights(layer: Int, direction: Int, in buffer: any DeviceBuffer) -> Weights {
        let suffix = RNNDescriptor.suffix(layer: layer, direction: direction)
        return Weights(
            inputWeight: view("weight_ih" + suffix, in: buffer)!, hiddenWeight: view("weight_hh" + suffix, in: buffer)!,
            inputBias: view("bias_ih" + suffix, in: buffer), hiddenBias: view("bias_hh" + suffix, in: buffer),
            projection: view("weight_hr" + suffix, in: buffer),
            layerNorm: view("ln_ih_weight" + suffix, in: buffer).map { inputGain in
                LayerNormWeights(inputGain: inputGain, hiddenGain: view("ln_hh_weight" + suffix, in: buffer)!,
                                 cellGain: view("ln_cell_weight" + suffix, in: buffer),
                                 cellBias: view("ln_cell_bias" + suffix, in: buffer))
            })
    }
}

import Recur

/// One forward and backward of a recurrent layer on host data, every result on the host under the
/// fixture names of FORMAT.md: output, h_n, c_n, grad_input, grad_h0, grad_c0, grad.<parameter>.
/// Shared by the fixture runner and the conformance suite's random cases.
public enum LayerResults {
    /// Host data of one case; nil states and upstream gradients are zero.
    public struct Inputs {
        /// (T, B, I), or (B, T, I) batch-first, with its values row-major.
        public var input: (shape: [Int], values: [Float])
        /// (L*D, B, H) initial hidden state ((L*D, B, P) with a projection).
        public var h0: [Float]?
        /// (L*D, B, H) initial cell state; LSTM only.
        public var c0: [Float]?
        /// (B) sequence lengths; nil: every sequence has all T steps.
        public var lengths: [Int]?
        /// Upstream gradient of the output, in the output's shape.
        public var gradOutput: [Float]?
        /// (L*D, B, H) upstream gradient of h_n.
        public var gradHN: [Float]?
        /// (L*D, B, H) upstream gradient of c_n; LSTM only.
        public var gradCN: [Float]?
        /// Whether the backward computes grad_input (`RecurrentLayer.backward`'s `inputGradient`).
        public var inputGradient: Bool
        /// The training forward's seed (dropout and zoneout masks); nil draws one.
        public var seed: UInt32?

        /// Memberwise.
        public init(input: (shape: [Int], values: [Float]), h0: [Float]?, c0: [Float]?, lengths: [Int]?,
                    gradOutput: [Float]?, gradHN: [Float]?, gradCN: [Float]?, inputGradient: Bool = true, seed: UInt32? = nil) {
            self.input = input; self.h0 = h0; self.c0 = c0; self.lengths = lengths
            self.gradOutput = gradOutput; self.gradHN = gradHN; self.gradCN = gradCN
            self.inputGradient = inputGradient; self.seed = seed
        }
    }

    /// A training forward and a backward of `layer`; grad.<parameter> is read from the layer's accumulated gradients.
    public static func run(_ layer: RecurrentLayer, _ inputs: Inputs) throws -> [String: [Float]] {
        let backend = layer.backend, d = layer.descriptor
        let steps = d.batchFirst ? inputs.input.shape[1] : inputs.input.shape[0]
        let batch = d.batchFirst ? inputs.input.shape[0] : inputs.input.shape[1]
        // h is P wide with a projection, c always H wide.
        let stateShape = [d.stateCount, batch, d.stateSize], cellShape = [d.stateCount, batch, d.hiddenSize]
        let outputShape = d.batchFirst ? [batch, steps, d.outputSize] : [steps, batch, d.outputSize]
        func state(_ values: [Float]?) throws -> Tensor? { try values.map { try backend.tensor($0, shape: stateShape) } }
        func cell(_ values: [Float]?) throws -> Tensor? { try values.map { try backend.tensor($0, shape: cellShape) } }

        let forward = try layer.forward(
            try backend.tensor(inputs.input.values, shape: inputs.input.shape), h0: try state(inputs.h0),
            c0: try cell(inputs.c0), lengths: inputs.lengths, training: true, dropoutSeed: inputs.seed)
        let gradients = try layer.backward(
            forward, gradOutput: try inputs.gradOutput.map { try backend.tensor($0, shape: outputShape) },
            gradHN: try state(inputs.gradHN), gradCN: try cell(inputs.gradCN), inputGradient: inputs.inputGradient)
        var results: [String: [Float]] = [
            "output": try backend.array(forward.output), "h_n": try backend.array(forward.hN),
            "grad_h0": try backend.array(gradients.h0),
        ]
        if let gradInput = gradients.input { results["grad_input"] = try backend.array(gradInput) }
        if let cN = forward.cN { results["c_n"] = try backend.array(cN) }
        if let c0 = gradients.c0 { results["grad_c0"] = try backend.array(c0) }
        for entry in layer.parameterLayout.entries {
            results["grad." + entry.name] = try layer.gradient(entry.name)
        }
        return results
    }
}

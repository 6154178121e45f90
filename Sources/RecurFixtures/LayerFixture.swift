import Foundation
import Recur

/// A layer case of shared/fixtures/FORMAT.md (`"kind": "layer"`): PyTorch's nn.RNN / nn.LSTM /
/// nn.GRU run forward and backward on given parameters, input, initial state and upstream gradients.
public struct LayerFixture {
    /// The layer, from the metadata (`mode`, `input_size`, `hidden_size`, ...).
    public let descriptor: RNNDescriptor
    /// T (`seq_len`).
    public let steps: Int
    /// B (`batch`).
    public let batch: Int
    /// The forward's seed (`zoneout_seed`) for a case with zoneout.
    public let zoneoutSeed: UInt32?
    let file: SafeTensors

    /// Reads the case and validates its metadata and tensors against FORMAT.md.
    public init(_ file: SafeTensors) throws {
        self.file = file
        let meta = MetadataReader(file.metadata)
        guard let mode = CellMode(name: try meta.string("mode")) else {
            throw RecurError.invalidValue("fixture mode \(try meta.string("mode")) is not RNN_TANH, RNN_RELU, LSTM or GRU")
        }
        descriptor = try RNNDescriptor(
            mode: mode, inputSize: try meta.int("input_size"), hiddenSize: try meta.int("hidden_size"),
            numLayers: try meta.int("num_layers"), bidirectional: try meta.bool("bidirectional"),
            bias: try meta.bool("bias"), batchFirst: try meta.bool("batch_first"),
            // Absent (or 0) for layers without a projection.
            projectionSize: file.metadata["proj_size"] == nil ? 0 : try meta.int("proj_size"),
            layerNorm: try Self.isLayerNorm(file.metadata["cell"]),
            layerNormEpsilon: Float(try meta.optionalDouble("layer_norm_eps") ?? 1e-5),
            zoneout: Float(try meta.optionalDouble("zoneout") ?? 0),
            cellClip: Float(try meta.optionalDouble("cell_clip") ?? 0))
        // The forward's seed, from which Recur draws the zoneout masks the file holds.
        if file.metadata["zoneout_seed"] != nil {
            let value = try meta.int("zoneout_seed")
            guard let seed = UInt32(exactly: value) else {
                throw RecurError.invalidValue("fixture metadata zoneout_seed = \(value) is not a 32-bit seed")
            }
            zoneoutSeed = seed
        } else {
            zoneoutSeed = nil
        }
        steps = try meta.int("seq_len")
        batch = try meta.int("batch")
        try Limits.check(steps, "fixture seq_len", maximum: Limits.maxSequenceLength)
        try Limits.check(batch, "fixture batch", maximum: Limits.maxBatchSize)
        try Limits.checkMemory(try descriptor.memoryEstimate(batch: batch, steps: steps), for: "the fixture's layer")
        try Self.checkTensors(FixtureTensors(file: file), descriptor, steps: steps, batch: batch)
    }

    /// FORMAT.md's `cell` metadata: absent for the plain cells, "layer_norm" for the normalised ones.
    static func isLayerNorm(_ cell: String?) throws -> Bool {
        guard let cell else { return false }
        guard cell == "layer_norm" else {
            throw RecurError.invalidValue("fixture cell \"\(cell.prefix(40))\" is not one Recur knows (FORMAT.md: layer_norm)")
        }
        return true
    }

    /// Every tensor the run reads or compares, against the shapes the metadata gives (FORMAT.md).
    static func checkTensors(_ tensors: FixtureTensors, _ d: RNNDescriptor, steps: Int, batch: Int) throws {
        let inputShape = d.batchFirst ? [batch, steps, d.inputSize] : [steps, batch, d.inputSize]
        let outputShape = d.batchFirst ? [batch, steps, d.outputSize] : [steps, batch, d.outputSize]
        // h is P wide with a projection, c always H wide.
        let stateShape = [d.stateCount, batch, d.stateSize], cellShape = [d.stateCount, batch, d.hiddenSize]
        try tensors.require("input", inputShape)
        try tensors.optional("grad_input", inputShape)
        for name in ["output", "grad_output"] { try tensors.optional(name, outputShape) }
        for name in ["h0", "h_n", "grad_h0", "grad_h_n"] { try tensors.optional(name, stateShape) }
        for name in ["c0", "c_n", "grad_c0", "grad_c_n"] {
            if d.mode.hasCellState {
                try tensors.optional(name, cellShape)
            } else {
                try tensors.absent(name, because: "a \(d.mode.rawValue) layer has no cell state")
            }
        }
        try tensors.optional("loss", [1], or: [[]])
        for entry in d.parameterLayout.entries {
            try tensors.require(entry.name, entry.shape)
            try tensors.optional("grad." + entry.name, entry.shape)
        }
        if let lengths = try tensors.indices("lengths", rank: 1, range: 1...Int64(steps), required: false),
           lengths.shape != [batch] {
            throw RecurError.shapeMismatch(tensor: "fixture tensor lengths", actual: lengths.shape, expected: [batch])
        }
        try tensors.allFinite()
    }

    /// Runs the case on `backend` and compares every expected tensor the file holds.
    public func run(on backend: any Backend, tolerance: Tolerance = .layer) throws -> [Comparison] {
        let layer = try RecurrentLayer(descriptor, backend: backend)
        var parameters: [String: (shape: [Int], values: [Float])] = [:]
        for entry in layer.parameterLayout.entries {
            parameters[entry.name] = (try file.entry(entry.name).shape, try file.floats(entry.name))
        }
        try layer.loadParameters(parameters)

        func values(_ name: String) throws -> [Float]? { file.contains(name) ? try file.floats(name) : nil }
        var got = try LayerResults.run(layer, LayerResults.Inputs(
            input: (try file.entry("input").shape, try file.floats("input")), h0: try values("h0"), c0: try values("c0"),
            lengths: try file.contains("lengths") ? file.int64s("lengths").map { Int($0) } : nil,
            gradOutput: try values("grad_output"), gradHN: try values("grad_h_n"), gradCN: try values("grad_c_n"),
            seed: zoneoutSeed))
        // The scalar the gradients are of: sum(output*grad_output) + sum(h_n*grad_h_n) [+ c_n terms].
        var loss: Double = 0
        for (value, upstream) in [("output", "grad_output"), ("h_n", "grad_h_n"), ("c_n", "grad_c_n")]
        where file.contains(upstream) {
            loss += zip(got[value] ?? [], try file.floats(upstream)).reduce(0) { $0 + Double($1.0) * Double($1.1) }
        }
        got["loss"] = [Float(loss)]

        var comparisons: [Comparison] = []
        for name in got.keys.sorted() where file.contains(name) {
            comparisons.append(Comparison(tensor: name, got: got[name]!, expected: try file.floats(name), tolerance: tolerance))
        }
        // An expected tensor we did not produce is a failure, not a silent skip.
        for name in file.names where Self.isExpected(name) && got[name] == nil {
            comparisons.append(Comparison(tensor: name, got: [], expected: try file.floats(name), tolerance: tolerance))
        }
        return comparisons
    }

    static func isExpected(_ name: String) -> Bool {
        ["output", "h_n", "c_n", "loss", "grad_input", "grad_h0", "grad_c0"].contains(name) || name.hasPrefix("grad.")
    }
}

/// Typed access to a fixture's string metadata.
struct MetadataReader {
    let metadata: [String: String]
    init(_ metadata: [String: String]) { self.metadata = metadata }

    func string(_ key: String) throws -> String {
        guard let value = metadata[key] else { throw RecurError.invalidValue("fixture metadata has no \(key)") }
        return value
    }

    func int(_ key: String) throws -> Int {
        guard let value = Int(try string(key)) else {
            throw RecurError.invalidValue("fixture metadata \(key) = \(try string(key)) is not an integer")
        }
        return value
    }

    func double(_ key: String) throws -> Double {
        guard let value = Double(try string(key)) else {
            throw RecurError.invalidValue("fixture metadata \(key) = \(try string(key)) is not a number")
        }
        return value
    }

    /// nil when the key is absent; an error when it is present but not a number.
    func optionalDouble(_ key: String) throws -> Double? {
        metadata[key] == nil ? nil : try double(key)
    }

    func bool(_ key: String) throws -> Bool {
        switch try string(key).lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default: throw RecurError.invalidValue("fixture metadata \(key) = \(try string(key)) is not true or false")
        }
    }
}

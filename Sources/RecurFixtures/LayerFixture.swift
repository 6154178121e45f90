import Foundation
import Recur

/// A layer case of shared/fixtures/FORMAT.md (`"kind": "layer"`): PyTorch's nn.RNN / nn.LSTM /
/// nn.GRU run forward and backward on given parameters, input, initial state and upstream gradients.
public struct LayerFixture {
    public let descriptor: RNNDescriptor
    public let steps: Int
    public let batch: Int
    let file: SafeTensors

    public init(_ file: SafeTensors) throws {
        self.file = file
        let meta = MetadataReader(file.metadata)
        guard let mode = CellMode(name: try meta.string("mode")) else {
            throw RecurError.invalidValue("fixture mode \(try meta.string("mode")) is not RNN_TANH, RNN_RELU, LSTM or GRU")
        }
        descriptor = try RNNDescriptor(
            mode: mode, inputSize: try meta.int("input_size"), hiddenSize: try meta.int("hidden_size"),
            numLayers: try meta.int("num_layers"), bidirectional: try meta.bool("bidirectional"),
            bias: try meta.bool("bias"), batchFirst: try meta.bool("batch_first"))
        steps = try meta.int("seq_len")
        batch = try meta.int("batch")
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
            gradOutput: try values("grad_output"), gradHN: try values("grad_h_n"), gradCN: try values("grad_c_n")))
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

    func bool(_ key: String) throws -> Bool {
        switch try string(key).lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default: throw RecurError.invalidValue("fixture metadata \(key) = \(try string(key)) is not true or false")
        }
    }
}

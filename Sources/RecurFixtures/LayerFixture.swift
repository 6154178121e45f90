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

        let input = try tensor("input", on: backend)
        let h0 = try file.contains("h0") ? tensor("h0", on: backend) : nil
        let c0 = try file.contains("c0") ? tensor("c0", on: backend) : nil
        let lengths = try file.contains("lengths") ? file.int64s("lengths").map { Int($0) } : nil
        let forward = try layer.forward(input, h0: h0, c0: c0, lengths: lengths, training: true)

        let gradOutput = try file.contains("grad_output") ? tensor("grad_output", on: backend) : nil
        let gradHN = try file.contains("grad_h_n") ? tensor("grad_h_n", on: backend) : nil
        let gradCN = try file.contains("grad_c_n") ? tensor("grad_c_n", on: backend) : nil
        let gradients = try layer.backward(forward, gradOutput: gradOutput, gradHN: gradHN, gradCN: gradCN)

        var got: [String: [Float]] = [
            "output": try backend.array(forward.output), "h_n": try backend.array(forward.hN),
            "grad_input": try backend.array(gradients.input), "grad_h0": try backend.array(gradients.h0),
        ]
        if let cN = forward.cN { got["c_n"] = try backend.array(cN) }
        if let c0 = gradients.c0 { got["grad_c0"] = try backend.array(c0) }
        for entry in layer.parameterLayout.entries {
            got["grad." + entry.name] = try layer.gradient(entry.name)
        }
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

    private func tensor(_ name: String, on backend: any Backend) throws -> Tensor {
        try backend.tensor(try file.floats(name), shape: try file.entry(name).shape)
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

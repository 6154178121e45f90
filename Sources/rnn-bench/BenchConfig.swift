import Foundation
import Recur

/// One workload of shared/bench/configs.json: a PyTorch-shaped stack (bias on, time-major) and the
/// batch it runs on. Field names follow the file (and torch_bench.py), so the two read the same text.
struct BenchConfig: Sendable, Equatable {
    let name: String
    let mode: CellMode
    let inputSize: Int
    let hiddenSize: Int
    let numLayers: Int
    let bidirectional: Bool
    let batch: Int
    let steps: Int
    /// Layer-normalised cells (`"cell": "layer_norm"`, FORMAT.md's metadata); not in configs.json.
    var layerNorm = false
    /// An LSTM's projection (`"proj_size"`); 0 for none, as in configs.json.
    var projectionSize = 0

    var directions: Int { bidirectional ? 2 : 1 }
    /// Features of h per direction: P with a projection, else H.
    var stateSize: Int { projectionSize > 0 ? projectionSize : hiddenSize }

    /// The stack to time; throws when a size is out of range.
    func descriptor() throws -> RNNDescriptor {
        try RNNDescriptor(
            mode: mode, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers,
            bidirectional: bidirectional, projectionSize: projectionSize, layerNorm: layerNorm)
    }

    /// (T, B, I): the input of every step.
    var inputShape: [Int] { [steps, batch, inputSize] }
    /// (T, B, D*H) (D*P with a projection): the output, and so the upstream gradient.
    var outputShape: [Int] { [steps, batch, stateSize * directions] }

    /// FLOPs of one forward, counting only the matrix products as configs.json's "about" (and
    /// torch_bench.py) do: 2*T*B*G*H*(I_l+H) per layer and direction, I_l = H*D above layer 0.
    /// Counting the same way as the peer is what makes GFLOP/s comparable between the two tables.
    /// A projection's products count as PyTorch's do: h is P wide (2*T*B*G*H*(I_l+P), I_l = P*D
    /// above layer 0) and W_hr adds 2*T*B*P*H. The layer-normalised cells count the same products
    /// as the plain ones: their normalisations are O(T*B*G*H) and not counted, so that their
    /// GFLOP/s next to the plain cell's shows what the normalisations cost.
    var forwardFLOPs: Int {
        var total = 0
        for layer in 0..<numLayers {
            let layerInput = layer == 0 ? inputSize : stateSize * directions
            total += directions * 2 * steps * batch * mode.gateCount * hiddenSize * (layerInput + stateSize)
            if projectionSize > 0 { total += directions * 2 * steps * batch * projectionSize * hiddenSize }
        }
        return total
    }

    /// A training step counts as three forwards (the forward, and the two products per forward product
    /// of the backward: gradients of the inputs and of the weights), configs.json's convention, kept
    /// for comparability with the peer although neither computes the first layer's input gradient.
    var trainingFLOPs: Int { 3 * forwardFLOPs }
}

extension BenchConfig: Decodable {
    private enum CodingKeys: String, CodingKey {
        case name, mode, bidirectional, batch, cell
        case inputSize = "input_size", hiddenSize = "hidden_size", numLayers = "num_layers", steps = "seq_len"
        case projectionSize = "proj_size"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        let modeName = try container.decode(String.self, forKey: .mode)
        guard let mode = CellMode(name: modeName) else {
            throw DecodingError.dataCorruptedError(
                forKey: .mode, in: container,
                debugDescription: "mode \"\(modeName)\" is not one of "
                    + CellMode.allCases.map(\.rawValue).joined(separator: ", "))
        }
        self.mode = mode
        inputSize = try container.decode(Int.self, forKey: .inputSize)
        hiddenSize = try container.decode(Int.self, forKey: .hiddenSize)
        numLayers = try container.decode(Int.self, forKey: .numLayers)
        bidirectional = try container.decode(Bool.self, forKey: .bidirectional)
        batch = try container.decode(Int.self, forKey: .batch)
        steps = try container.decode(Int.self, forKey: .steps)
        projectionSize = try container.decodeIfPresent(Int.self, forKey: .projectionSize) ?? 0
        if let cell = try container.decodeIfPresent(String.self, forKey: .cell) {
            guard cell == "layer_norm" else {
                throw DecodingError.dataCorruptedError(
                    forKey: .cell, in: container, debugDescription: "cell \"\(cell)\" is not layer_norm (the only one beyond mode)")
            }
            layerNorm = true
        }
    }
}

/// A configs file: its workloads, in file order, checked once so that the timing loop never meets a
/// config it cannot build.
struct BenchConfigSet: Sendable {
    let configs: [BenchConfig]

    var names: [String] { configs.map(\.name) }

    func config(named name: String) -> BenchConfig? { configs.first { $0.name == name } }

    /// Decodes and checks the text of a configs file; `source` names it in error messages.
    init(json data: Data, source: String) throws {
        struct File: Decodable { let configs: [BenchConfig] }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch let error as DecodingError {
            throw RecurError.invalidValue("\(source): \(Self.describe(error))")
        }
        guard !file.configs.isEmpty else { throw RecurError.invalidValue("\(source) holds no configs") }
        var seen: Set<String> = []
        for config in file.configs {
            guard !config.name.isEmpty else { throw RecurError.invalidValue("\(source): a config has an empty name") }
            guard seen.insert(config.name).inserted else {
                throw RecurError.invalidValue("\(source): config name \(config.name) appears twice")
            }
            guard config.batch >= 1, config.steps >= 1 else {
                throw RecurError.invalidValue(
                    "\(source): config \(config.name) needs batch and seq_len of at least 1, "
                        + "got \(config.batch) and \(config.steps)")
            }
            do {
                _ = try config.descriptor()
                try Limits.check(config.batch, "batch", maximum: Limits.maxBatchSize)
                try Limits.check(config.steps, "seq_len", maximum: Limits.maxSequenceLength)
                _ = try config.memoryEstimate()  // the sizes' products fit in 64 bits
            } catch {
                throw RecurError.invalidValue("\(source): config \(config.name): \(error)")
            }
        }
        configs = file.configs
    }

    /// Reads a configs file from disk.
    init(contentsOf path: String) throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw RecurError.invalidValue("cannot read \(path): \(error.localizedDescription)")
        }
        try self.init(json: data, source: path)
    }

    /// The configs compiled into the binary (BuiltinConfigs.swift). They are constant text, so a
    /// failure here is a bug in this program, not in the user's input.
    static let builtin: BenchConfigSet = {
        do {
            return try BenchConfigSet(json: Data(BuiltinConfigs.json.utf8), source: "built-in configs")
        } catch {
            fatalError("the built-in configs do not decode: \(error)")
        }
    }()

    /// Foundation's DecodingError descriptions dump the whole context; a user needs where and what.
    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.enumerated().map { index, key in
                key.intValue.map { "[\($0)]" } ?? (index == 0 ? "" : ".") + key.stringValue
            }
            return keys.isEmpty ? "" : "at " + keys.joined() + ": "
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "\(path(context))missing key \"\(key.stringValue)\""
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            let underlying = context.underlyingError.map { " (\($0.localizedDescription))" } ?? ""
            return "\(path(context))\(context.debugDescription)\(underlying)"
        @unknown default:
            return "\(error)"
        }
    }
}

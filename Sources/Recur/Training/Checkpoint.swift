import Foundation

/// Checkpoints in safetensors: the model's parameters under PyTorch's names (a PyTorch state_dict
/// saved with `safetensors.torch.save_file` loads as it is, and ours loads in PyTorch), the
/// optimizer state as `optimizer.<parameter>.<state>` (PyTorch's state names: `exp_avg`,
/// `momentum_buffer`, `square_avg`, `sum`, ...), and metadata (`step`, the model and optimizer
/// configurations as JSON, the dropout generator's state, and whatever the caller adds).
/// Written atomically: a temporary file in the same directory, then a rename.
public enum Checkpoint {
    /// What `load` reports besides the values it loaded.
    public struct Contents {
        /// The optimizer step the file holds (0 when it holds none).
        public let step: Int
        /// The file's metadata, the caller's entries included.
        public let metadata: [String: String]
    }

    /// Writes the model's parameters, the optimizer's state and step when one is given, and the metadata
    /// (`extra` added to Recur's own) to `url`.
    public static func save(model: RecurrentModel, optimizer: Optimizer?, metadata extra: [String: String] = [:],
                            to url: URL) throws {
        var file = SafeTensors()
        for (prefix, block) in model.namedBlocks {
            for entry in block.parameterLayout.entries {
                try file.set(prefix + entry.name, floats: try block.parameter(entry.name), shape: entry.shape)
            }
        }
        // The JSON values with sorted keys: a synthesised Encodable's keys otherwise come out in
        // the order of a dictionary seeded per process, and the same state written by two processes
        // would differ in its bytes (the header's own keys are sorted by SafeTensors).
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var metadata = extra
        metadata["format"] = "recur-checkpoint-1"
        metadata["model"] = String(decoding: try encoder.encode(model.configuration), as: UTF8.self)
        metadata["dropout_generator"] = String(model.rnn.dropoutGenerator.state)
        if let optimizer {
            metadata["step"] = String(optimizer.step)
            metadata["optimizer"] = String(decoding: try encoder.encode(optimizer.configuration), as: UTF8.self)
            for (prefix, block) in model.namedBlocks {
                let state = try optimizer.state(of: block)
                for (name, buffer) in zip(optimizer.configuration.stateNames, state) {
                    for entry in block.parameterLayout.entries {
                        let values = try model.backend.download(buffer, offset: entry.offset, count: entry.count)
                        try file.set("optimizer.\(prefix)\(entry.name).\(name)", floats: values, shape: entry.shape)
                    }
                }
            }
        }
        file.metadata = metadata
        try file.write(to: url)
    }

    /// Loads the parameters (every one required, shapes checked) and, when the file has them and an
    /// optimizer is given, its state and step. A checkpoint of another model shape or cell is an
    /// error that says which.
    @discardableResult
    public static func load(from url: URL, into model: RecurrentModel, optimizer: Optimizer? = nil) throws -> Contents {
        try load(try SafeTensors(contentsOf: url), named: url.lastPathComponent, into: model, optimizer: optimizer)
    }

    /// `load(from:into:optimizer:)` for a file already read; `name` names it in messages.
    @discardableResult
    public static func load(_ file: SafeTensors, named name: String, into model: RecurrentModel,
                            optimizer: Optimizer? = nil) throws -> Contents {
        let header = try header(of: file, name: name)
        if let saved = header.configuration, saved != model.configuration {
            throw RecurError.invalidValue(
                "checkpoint \(name) holds a different model: \(describe(saved)); this model is \(describe(model.configuration))")
        }
        // A PyTorch LSTM with proj_size loaded into a model without one: said plainly, with the size
        // to build the model with, before its weight_hh's shape would be blamed.
        if model.configuration.projectionSize == 0,
           let projection = file.names.sorted().first(where: { $0.hasPrefix("rnn.weight_hr_l") }) {
            let shape = try file.entry(projection).shape
            throw RecurError.invalidValue(
                "checkpoint \(name) holds an LSTM with a projection (\(projection) of shape \(shape), PyTorch's proj_size "
                    + "\(shape.first ?? 0)); build the model with projectionSize \(shape.first ?? 0) (rnn-train --proj) to load it")
        }
        // Everything is checked before the first value reaches the model, so a bad file leaves it as it was.
        try checkParameters(in: file, name: name, shapes: model.parameterNames)
        var optimizerState: [(key: String, buffer: any DeviceBuffer, offset: Int)] = []
        if let optimizer {
            for (prefix, block) in model.namedBlocks {
                let state = try optimizer.state(of: block)
                for (stateName, buffer) in zip(optimizer.configuration.stateNames, state) {
                    for entry in block.parameterLayout.entries {
                        let key = "optimizer.\(prefix)\(entry.name).\(stateName)"
                        guard file.contains(key) else { continue }
                        let stored = try file.entry(key).shape
                        guard stored == entry.shape else {
                            throw RecurError.shapeMismatch(tensor: "checkpoint's \(key)", actual: stored, expected: entry.shape)
                        }
                        try checkFinite(file, key, what: "checkpoint \(name)'s \(key)")
                        optimizerState.append((key, buffer, entry.offset))
                    }
                }
            }
        }
        let dropoutState = try file.metadata["dropout_generator"].map { text in
            guard let state = UInt64(text) else {
                throw RecurError.invalidValue("checkpoint \(name)'s dropout_generator \"\(text.prefix(40))\" is not an unsigned 64-bit integer")
            }
            return state
        }
        for (parameter, _) in model.parameterNames { try model.setParameter(parameter, try file.floats(parameter)) }
        if let dropoutState { model.rnn.dropoutGenerator = SeededGenerator(seed: dropoutState) }
        let step = header.step ?? 0
        if let optimizer {
            for (key, buffer, offset) in optimizerState {
                try model.backend.upload(try file.floats(key), to: buffer, offset: offset)
            }
            optimizer.step = step
        }
        return Contents(step: step, metadata: file.metadata)
    }

    private static func describe(_ c: ModelConfiguration) -> String {
        "\(c.mode.rawValue) \(c.numLayers)x\(c.hiddenSize)" + (c.projectionSize > 0 ? " projected to \(c.projectionSize)" : "")
            + (c.layerNorm ? ", layer-normalised" : "")
            + (c.vocabularySize.map { ", vocabulary \($0)" } ?? "")
            + ", input \(c.inputSize), outputs \(c.outputSize)"
    }
}

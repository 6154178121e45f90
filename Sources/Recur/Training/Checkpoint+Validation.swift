import Foundation

/// The checks a checkpoint passes before anything is built from it. A checkpoint is untrusted (shared,
/// downloaded, cut short): its metadata must parse, its sizes must be within `Limits`, and every
/// parameter must be there, of the model's shape, and finite, all decided from the file alone.
extension Checkpoint {
    /// What a checkpoint's metadata says, each field checked. Absent fields are nil (a PyTorch
    /// state_dict has none); present but unusable ones are errors naming the file and the field.
    public struct Header: Sendable {
        /// The `model` configuration, within `Limits`.
        public let configuration: ModelConfiguration?
        /// The optimizer's `step`, in 0...`Limits.maxTrainingSteps`.
        public let step: Int?
    }

    /// Reads and checks the metadata of `file`; `name` is the file's name, for messages.
    public static func header(of file: SafeTensors, name: String) throws -> Header {
        var configuration: ModelConfiguration?
        if let json = file.metadata["model"] {
            do {
                let decoded = try JSONDecoder().decode(ModelConfiguration.self, from: Data(json.utf8))
                try decoded.validate()
                configuration = decoded
            } catch let error as RecurError {
                throw RecurError.invalidValue("checkpoint \(name): its model configuration is unusable: \(error)")
            } catch {
                throw RecurError.invalidValue("checkpoint \(name): its model metadata is not a model configuration (\(Self.decodingMessage(error)))")
            }
        }
        var step: Int?
        if let text = file.metadata["step"] {
            guard let value = Int(text), (0...Limits.maxTrainingSteps).contains(value) else {
                throw RecurError.invalidValue(
                    "checkpoint \(name): its step \"\(text.prefix(40))\" is not a whole number from 0 to \(Limits.maxTrainingSteps)")
            }
            step = value
        }
        return Header(configuration: configuration, step: step)
    }

    /// Checks that `file` holds every parameter of `shapes` as floats of that shape, each value finite.
    public static func checkParameters(in file: SafeTensors, name: String, shapes: [(name: String, shape: [Int])]) throws {
        for (parameter, shape) in shapes {
            guard file.contains(parameter) else {
                throw RecurError.invalidValue("checkpoint \(name) has no parameter \(parameter)")
            }
            let stored = try file.entry(parameter)
            guard stored.shape == shape else {
                throw RecurError.shapeMismatch(tensor: "checkpoint's \(parameter)", actual: stored.shape, expected: shape)
            }
            try checkFinite(file, parameter, what: "checkpoint \(name)'s \(parameter)")
        }
    }

    /// Throws when the float tensor `tensor` of `file` holds a NaN or an infinity.
    public static func checkFinite(_ file: SafeTensors, _ tensor: String, what: String) throws {
        let values = try file.floats(tensor)
        if let index = values.firstIndex(where: { !$0.isFinite }) {
            throw RecurError.nonFiniteValue(tensor: what, index: index, value: values[index])
        }
    }

    static func decodingMessage(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context): return context.debugDescription
        case DecodingError.keyNotFound(let key, _): return "no \(key.stringValue)"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        default: return "\(error)"
        }
    }
}

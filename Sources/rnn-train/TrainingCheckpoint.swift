import Foundation
import Recur

/// rnn-train's checkpoints: Recur's `Checkpoint` (parameters, optimizer state, step, model) plus
/// the metadata a char-LM run needs to be sampled from or resumed: the vocabulary, the text's name,
/// the run's settings, and the truncated-BPTT state the next chunk starts from.
enum TrainingCheckpoint {
    static let vocabularyKey = "vocabulary"
    static let textKey = "text"
    static let settingsKey = "train"
    static let stateKeys = (h: "bptt_state_h", c: "bptt_state_c")

    /// What a checkpoint says about itself, read before any model is built.
    struct Header {
        let path: String
        let model: ModelConfiguration
        let settings: TrainSettings?
        let vocabulary: Vocabulary
        let step: Int
        let metadata: [String: String]

        var name: String { URL(fileURLWithPath: path).lastPathComponent }

        /// The carried state (L*D, B, H) as it was saved (h (L*D, B, P) with a projection), when it
        /// fits `model` at `batch` (a run may resume with another --batch). A state that fits but
        /// holds NaN or an infinity is an error.
        func state(batch: Int) throws -> (h: [Float], c: [Float]?)? {
            let hWidth = model.projectionSize > 0 ? model.projectionSize : model.hiddenSize
            let hCount = try CheckedSize.product([model.numLayers, model.bidirectional ? 2 : 1, batch, hWidth],
                                                 "the carried state")
            let cCount = try CheckedSize.product([model.numLayers, model.bidirectional ? 2 : 1, batch, model.hiddenSize],
                                                 "the carried state")
            guard let h = metadata[stateKeys.h].flatMap(TrainingCheckpoint.floats), h.count == hCount else { return nil }
            let c = metadata[stateKeys.c].flatMap(TrainingCheckpoint.floats)
            guard model.mode.hasCellState == (c != nil), c.map({ $0.count == cCount }) ?? true else { return nil }
            for (key, values) in [(stateKeys.h, h), (stateKeys.c, c ?? [])] {
                if let index = values.firstIndex(where: { !$0.isFinite }) {
                    throw RNNTrainFailure("\(path): \(RecurError.nonFiniteValue(tensor: "the carried state \(key)", index: index, value: values[index]))")
                }
            }
            return (h, c)
        }
    }

    /// Reads a checkpoint's metadata, with errors that name the file and say what is wrong with it.
    static func header(_ path: String) throws -> Header {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw RNNTrainFailure("cannot read the checkpoint \(path): \(isDirectory.boolValue ? "it is a directory" : "no such file")")
        }
        let file: SafeTensors
        do {
            file = try SafeTensors(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw RNNTrainFailure("cannot read the checkpoint \(path): \(error)")
        }
        let name = URL(fileURLWithPath: path).lastPathComponent
        // Every field is checked here, from the file alone, before a model is built from it: a
        // corrupt size is refused at once instead of after (or during) a huge allocation.
        let stored: Checkpoint.Header
        do {
            stored = try Checkpoint.header(of: file, name: name)
        } catch {
            throw RNNTrainFailure("\(path): \(error)")
        }
        guard let model = stored.configuration else {
            throw RNNTrainFailure("\(path) is not a Recur checkpoint: its metadata has no model configuration")
        }
        guard let vocabularyJSON = file.metadata[vocabularyKey] else {
            throw RNNTrainFailure("\(path) has no vocabulary in its metadata: it is not a character model of rnn-train --text")
        }
        let vocabulary: Vocabulary
        do {
            vocabulary = try Vocabulary(json: vocabularyJSON)
        } catch {
            throw RNNTrainFailure("\(path): \(error)")
        }
        guard model.vocabularySize == vocabulary.count, model.outputSize == vocabulary.count else {
            throw RNNTrainFailure(
                "\(path): the model reads \(model.vocabularySize.map(String.init) ?? "no") tokens and predicts "
                    + "\(model.outputSize), but its vocabulary has \(vocabulary.count) characters")
        }
        var settings: TrainSettings?
        if let json = file.metadata[settingsKey] {
            do {
                let decoded = try JSONDecoder().decode(TrainSettings.self, from: Data(json.utf8))
                try decoded.validate()
                settings = decoded
            } catch let error as RNNTrainFailure {
                throw RNNTrainFailure("\(path): its stored settings (\(settingsKey)) are unusable: \(error)")
            } catch {
                throw RNNTrainFailure("\(path): its stored settings (\(settingsKey)) are not rnn-train's settings: \(error)")
            }
        }
        do {
            try Limits.checkMemory(try model.memoryEstimate(batch: 1, steps: 1, training: false), for: "the model of \(name)")
            try Checkpoint.checkParameters(in: file, name: name, shapes: try model.parameterShapes())
        } catch {
            throw RNNTrainFailure("\(path): \(error)")
        }
        return Header(path: path, model: model, settings: settings, vocabulary: vocabulary,
                      step: stored.step ?? 0, metadata: file.metadata)
    }

    /// Loads the parameters (and the optimizer's state and step, when given) of a checkpoint whose
    /// header was read; Recur's own checks (every parameter, every shape) still apply.
    static func load(_ header: Header, into model: RecurrentModel, optimizer: Optimizer?) throws {
        do {
            try Checkpoint.load(from: URL(fileURLWithPath: header.path), into: model, optimizer: optimizer)
        } catch {
            throw RNNTrainFailure("cannot load the checkpoint \(header.path): \(error)")
        }
    }

    /// Writes a checkpoint atomically (Checkpoint.save). `state` is the state after the last chunk:
    /// kept so that a resumed run feeds the next chunk the state the uninterrupted run would.
    static func save(model: RecurrentModel, optimizer: Optimizer, settings: TrainSettings, vocabulary: Vocabulary,
                     textName: String, state: RecurrentState?, to url: URL) throws {
        var metadata = [vocabularyKey: vocabulary.json, textKey: textName, "task": "char-lm"]
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        metadata[settingsKey] = String(decoding: try encoder.encode(settings), as: UTF8.self)
        if let state {
            metadata[stateKeys.h] = base64(try model.backend.array(state.h))
            if let c = state.c { metadata[stateKeys.c] = base64(try model.backend.array(c)) }
        }
        try Checkpoint.save(model: model, optimizer: optimizer, metadata: metadata, to: url)
    }

    // The state goes in the metadata (a string map) rather than as tensors, so that the file stays
    // one Checkpoint.save, written atomically. Base64 of float32 keeps it exact and about a third
    // larger than raw (64 KiB of state for 2 x 32 x 256).
    static func base64(_ values: [Float]) -> String {
        values.map(\.bitPattern.littleEndian).withUnsafeBufferPointer { Data(buffer: $0) }.base64EncodedString()
    }

    static func floats(_ text: String) -> [Float]? {
        guard let data = Data(base64Encoded: text), data.count % 4 == 0 else { return nil }
        return stride(from: 0, to: data.count, by: 4).map { offset in
            let bits = data[data.startIndex + offset..<data.startIndex + offset + 4].enumerated()
                .reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
            return Float(bitPattern: bits)
        }
    }
}

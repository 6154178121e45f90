import Foundation

/// A text for a character-level language model, read and split as torch_charlm.py does: every
/// character numbered by the vocabulary, the first 90% (by position) for training, the rest for
/// validation.
struct CharCorpus {
    /// The file's name, for messages and the checkpoint's metadata.
    let name: String
    let vocabulary: Vocabulary
    let train: [Int32]
    let validation: [Int32]

    /// Reads `path`. `vocabulary` is a resumed checkpoint's (the text must not hold other characters);
    /// nil builds it from the text. `chunkLength` is the training chunk (--seq-len): the training part
    /// must hold at least one chunk and its next-character targets.
    init(path: String, vocabulary given: Vocabulary? = nil, chunkLength: Int) throws {
        name = URL(fileURLWithPath: path).lastPathComponent
        let text = try Self.readText(path)
        let vocabulary = given ?? Vocabulary(of: text)
        guard vocabulary.count >= 2 else {
            throw RNNTrainFailure(
                "\(path) has \(vocabulary.count) distinct character\(vocabulary.count == 1 ? "" : "s"): "
                    + "a language model needs at least 2 to choose between")
        }
        let tokens = try vocabulary.encode(text, what: "\(path) (against the checkpoint's vocabulary)")
        // Python's int(0.9 * n): the same rounding gives the same split.
        let split = Int(0.9 * Double(tokens.count))
        guard split >= chunkLength + 1, tokens.count - split >= 2 else {
            throw RNNTrainFailure(
                "\(path) is too short: \(tokens.count) characters give \(split) for training (90%), and one chunk "
                    + "of --seq-len \(chunkLength) needs \(chunkLength + 1) (and validation at least 2); "
                    + "use a longer text or a smaller --seq-len")
        }
        self.vocabulary = vocabulary
        train = Array(tokens[..<split])
        validation = Array(tokens[split...])
    }

    /// The text of a UTF-8 file. Line ends are made "\n" as Python's text mode does when
    /// torch_charlm.py reads the file, so that both see the same characters.
    static func readText(_ path: String) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw RNNTrainFailure("cannot read the text \(path): no such file")
        }
        guard !isDirectory.boolValue else { throw RNNTrainFailure("cannot read the text \(path): it is a directory") }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw RNNTrainFailure("cannot read the text \(path): \(error.localizedDescription)")
        }
        guard !data.isEmpty else { throw RNNTrainFailure("the text \(path) is empty") }
        // Validating, not `String(decoding:)`: a binary file given by mistake should be named, not
        // trained on as replacement characters.
        guard let text = String(validating: data, as: UTF8.self) else {
            throw RNNTrainFailure("the text \(path) is not valid UTF-8")
        }
        return text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
    }
}

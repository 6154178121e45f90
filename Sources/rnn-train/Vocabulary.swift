import Foundation
import Recur

/// The characters of a character-level model: the distinct Unicode scalars of the training text,
/// sorted by code point. That is what torch_charlm.py's `sorted(set(text))` gives for a Python string,
/// so that both number the characters alike.
struct Vocabulary: Equatable {
    let characters: [Unicode.Scalar]
    private let ids: [Unicode.Scalar: Int32]

    init(characters: [Unicode.Scalar]) {
        self.characters = characters
        ids = Dictionary(uniqueKeysWithValues: characters.enumerated().map { ($1, Int32($0)) })
    }

    init(of text: String) {
        self.init(characters: Set(text.unicodeScalars).sorted())
    }

    static func == (lhs: Vocabulary, rhs: Vocabulary) -> Bool { lhs.characters == rhs.characters }

    var count: Int { characters.count }

    /// What a sample starts from when no prompt is given: a new line, so that it starts as a line
    /// of the text does, or the first character where the text has no new line. It is fed to the
    /// model, never printed: a printed prompt is a character the model did not write.
    var defaultPromptToken: Int32 {
        ids["\n"] ?? 0
    }

    /// Token ids of `text`; characters outside the vocabulary are an error that names them, with
    /// what stands for `text` in the message ("the prompt").
    func encode(_ text: String, what: String) throws -> [Int32] {
        var tokens: [Int32] = []
        tokens.reserveCapacity(text.unicodeScalars.count)
        var unknown: [Unicode.Scalar] = []
        for scalar in text.unicodeScalars {
            if let id = ids[scalar] {
                tokens.append(id)
            } else if !unknown.contains(scalar) {
                unknown.append(scalar)
            }
        }
        guard unknown.isEmpty else {
            let names = unknown.prefix(20).map(Self.describe).joined(separator: ", ")
            let more = unknown.count > 20 ? " and \(unknown.count - 20) more" : ""
            throw RNNTrainFailure(
                "\(what) has \(unknown.count == 1 ? "a character" : "characters") the model's vocabulary lacks: \(names)\(more)")
        }
        return tokens
    }

    func decode(_ tokens: [Int32]) -> String {
        var text = String.UnicodeScalarView()
        for token in tokens where characters.indices.contains(Int(token)) { text.append(characters[Int(token)]) }
        return String(text)
    }

    /// A character as a person can read it in a message: quoted, with its code point when invisible.
    static func describe(_ scalar: Unicode.Scalar) -> String {
        let code = "U+" + String(format: "%04X", scalar.value)
        if scalar.properties.isWhitespace || scalar.properties.generalCategory == .control {
            return "\(code) (\(scalar.escaped(asASCII: true)))"
        }
        return "\"\(scalar)\" (\(code))"
    }

    // MARK: Checkpoint metadata

    /// A JSON array of one-character strings: readable in the checkpoint's header, and in Python
    /// `json.loads(metadata["vocabulary"])` is the list torch_charlm.py builds.
    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        // Encoding an array of strings cannot fail.
        return String(decoding: (try? encoder.encode(characters.map { String($0) })) ?? Data("[]".utf8), as: UTF8.self)
    }

    init(json: String) throws {
        guard let strings = try? JSONDecoder().decode([String].self, from: Data(json.utf8)) else {
            throw RNNTrainFailure("the vocabulary is not a JSON array of strings")
        }
        guard strings.count <= Limits.maxVocabularySize else {
            throw RNNTrainFailure("the vocabulary has \(strings.count) characters, above the limit of \(Limits.maxVocabularySize)")
        }
        var scalars: [Unicode.Scalar] = []
        for string in strings {
            guard string.unicodeScalars.count == 1, let scalar = string.unicodeScalars.first else {
                throw RNNTrainFailure("the vocabulary holds \(string.debugDescription), not one character")
            }
            scalars.append(scalar)
        }
        guard Set(scalars).count == scalars.count else { throw RNNTrainFailure("the vocabulary repeats a character") }
        self.init(characters: scalars)
    }
}

import Recur

/// The built-in sequence-to-sequence task: read a string of 3 to 8 digits, write it reversed.
/// An encoder reads the digits into its final state; a decoder starts from that state and writes
/// the reversal one digit at a time, then a stop token (teacher forcing in training, its own
/// greedy choices in evaluation). No files: the strings are drawn from a seeded generator, and the
/// held-out strings are ones no training batch can hold (odd sums of digits never train).
struct ReverseDigitsTask {
    static let digits = 10
    /// The decoder's vocabulary: the digits, then its start and stop tokens.
    static let start = Int32(digits), stop = Int32(digits + 1), decoderVocabulary = digits + 2
    let lengths = 3...8

    /// One batch in the trainer's layout (time-major).
    struct Batch {
        let strings: [[Int32]]
        let source: [Int32]          // (S, B), S = the longest length, padded with 0
        let sourceLengths: [Int]
        let decoderInput: [Int32]    // (S + 1, B): start, then the reversal; padded with stop
        let targets: [Int32]         // ((S + 1) * B): the reversal, then stop; -1 past it
        var steps: Int { sourceLengths.max()! }
    }

    /// Whether a string may appear in training: held-out strings are those with an odd digit sum.
    static func trains(_ string: [Int32]) -> Bool { string.reduce(0, +) % 2 == 0 }

    func strings(_ count: Int, training: Bool, using generator: inout SeededGenerator) -> [[Int32]] {
        (0..<count).map { _ in
            while true {
                let length = Int.random(in: lengths, using: &generator)
                let string = (0..<length).map { _ in Int32(Int.random(in: 0..<Self.digits, using: &generator)) }
                if Self.trains(string) == training { return string }
            }
        }
    }

    static func encode(_ strings: [[Int32]]) -> Batch {
        let batch = strings.count, steps = strings.map(\.count).max()!
        var source = [Int32](repeating: 0, count: steps * batch)
        var input = [Int32](repeating: stop, count: (steps + 1) * batch)
        var targets = [Int32](repeating: -1, count: (steps + 1) * batch)
        for (b, string) in strings.enumerated() {
            let reversed = Array(string.reversed())
            input[b] = start
            for (t, digit) in string.enumerated() { source[t * batch + b] = digit }
            for (t, digit) in reversed.enumerated() {
                input[(t + 1) * batch + b] = digit
                targets[t * batch + b] = digit
            }
            targets[reversed.count * batch + b] = stop
        }
        return Batch(strings: strings, source: source, sourceLengths: strings.map(\.count), decoderInput: input, targets: targets)
    }

    /// The encoder (digits in, its head unused) and the decoder (digits, start and stop).
    static func models(mode: CellMode, hidden: Int, layers: Int, projection: Int = 0, layerNorm: Bool = false,
                       backend: any Backend, seed: UInt64) throws
        -> (encoder: RecurrentModel, decoder: RecurrentModel) {
        let encoder = try RecurrentModel(ModelConfiguration(vocabularySize: digits, inputSize: 16, mode: mode, hiddenSize: hidden,
                                                            numLayers: layers, projectionSize: projection, layerNorm: layerNorm,
                                                            outputSize: 1),
                                         backend: backend, seed: seed)
        let decoder = try RecurrentModel(.languageModel(vocabularySize: decoderVocabulary, embeddingSize: 16, mode: mode,
                                                        hiddenSize: hidden, numLayers: layers, projectionSize: projection,
                                                        layerNorm: layerNorm),
                                         backend: backend, seed: seed &+ 1)
        return (encoder, decoder)
    }

    struct Accuracy {
        /// Strings reversed exactly (every digit, then stop).
        let exact: Double
        /// Digits right in their place, over the true reversals' digits.
        let digits: Double
    }

    /// Greedy decoding of `strings` from the encoder's states, in evaluation mode.
    static func evaluate(encoder: RecurrentModel, decoder: RecurrentModel, strings: [[Int32]]) throws -> Accuracy {
        let batch = encode(strings), backend = encoder.backend
        let source = try backend.indices(batch.source, shape: [batch.steps, strings.count], limit: digits, name: "source")
        let encoding = try encoder.encode(.tokens(source), lengths: batch.sourceLengths, training: false)
        var sampler = try Sampler(greedy: true)
        let outputs = try decoder.generate(from: encoding.state, start: start, stop: stop, maxLength: batch.steps + 2,
                                           sampler: &sampler)
        var exact = 0, right = 0, total = 0
        for (string, output) in zip(strings, outputs) {
            let reversed = Array(string.reversed())
            if output == reversed { exact += 1 }
            right += zip(reversed, output).filter { $0 == $1 }.count
            total += reversed.count
        }
        return Accuracy(exact: Double(exact) / Double(strings.count), digits: Double(right) / Double(total))
    }
}

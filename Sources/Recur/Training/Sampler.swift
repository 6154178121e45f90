import Foundation

/// How the next token is chosen from the logits: greedy (the most likely), or sampled from
/// softmax(logits / temperature) restricted to the `topK` most likely tokens.
public struct Sampler {
    /// Divides the logits before the softmax: below 1 sharpens the distribution, above 1 flattens it.
    public var temperature: Float
    /// Samples among the k most likely tokens only; nil for all of them.
    public var topK: Int?
    /// Always picks the most likely token, ignoring `temperature` and `topK`.
    public var greedy: Bool
    private var generator: SeededGenerator

    /// Throws `invalidConfiguration` for a temperature that is not positive (unless greedy) or a `topK` below 1;
    /// `seed` makes the draws repeatable.
    public init(temperature: Float = 1, topK: Int? = nil, greedy: Bool = false, seed: UInt64 = 0) throws {
        guard greedy || temperature > 0 else {
            throw RecurError.invalidConfiguration("temperature must be positive, got \(temperature)")
        }
        if let topK, topK < 1 { throw RecurError.invalidConfiguration("top-k must be at least 1, got \(topK)") }
        self.temperature = temperature
        self.topK = topK
        self.greedy = greedy
        generator = SeededGenerator(seed: seed)
    }

    /// The index of the token chosen from one step's `logits` (one per token); advances the generator unless greedy.
    public mutating func choose(_ logits: [Float]) -> Int {
        let order = logits.indices.sorted { logits[$0] > logits[$1] }
        if greedy { return order[0] }
        let candidates = topK.map { Array(order.prefix($0)) } ?? order
        let maximum = logits[candidates[0]]
        let weights = candidates.map { Foundation.exp(Double((logits[$0] - maximum) / temperature)) }
        var threshold = Double(generator.uniform(0, 1)) * weights.reduce(0, +)
        for (candidate, weight) in zip(candidates, weights) {
            threshold -= weight
            if threshold <= 0 { return candidate }
        }
        return candidates.last!
    }
}

extension RecurrentModel {
    /// One-to-many: feeds `prompt` (token ids, at least one), then generates up to `length` tokens
    /// one step at a time, each fed back as the next input, ending early at `stop` (which is not
    /// returned). The state stays on the device; only each step's logits come back.
    public func generate(prompt: [Int32], length: Int, stop: Int32? = nil, sampler: inout Sampler) throws -> [Int32] {
        guard let vocabulary = configuration.vocabularySize else {
            throw RecurError.invalidValue("generation needs a model with token inputs")
        }
        guard !prompt.isEmpty else { throw RecurError.invalidValue("the prompt needs at least one token") }
        var forward = try forwardSequence(
            .tokens(try backend.indices(prompt, shape: tokenShape(steps: prompt.count, batch: 1), limit: vocabulary, name: "prompt")),
            training: false)
        var generated: [Int32] = []
        for _ in 0..<length {
            let predictions = forward.predictions.matrix
            let last = predictions.rows(predictions.rows - 1, 1)
            let logits = try backend.download(last.buffer, offset: last.offset, count: last.cols)
            let token = Int32(sampler.choose(logits))
            if token == stop { break }
            generated.append(token)
            forward = try forwardSequence(
                .tokens(try backend.indices([token], shape: [1, 1], limit: vocabulary)), state: forward.state, training: false)
        }
        return generated
    }

    /// Decoding from a state (an encoder's `Encoding.state`, batch B): each sequence starts from
    /// `start`, each chosen token is fed back, and a sequence ends at `stop` (not returned) or after
    /// `maxLength` tokens. Returns B token lists. One launch sequence per step for the whole batch.
    public func generate(from state: RecurrentState, start: Int32, stop: Int32?, maxLength: Int,
                         sampler: inout Sampler) throws -> [[Int32]] {
        guard let vocabulary = configuration.vocabularySize else {
            throw RecurError.invalidValue("generation needs a model with token inputs")
        }
        guard state.h.shape.count == 3 else {
            throw RecurError.invalidValue("a state has shape (layers x directions, batch, hidden), got \(state.h.shape)")
        }
        try Limits.check(maxLength, "maxLength", maximum: Limits.maxSequenceLength)
        let batch = state.h.shape[1]
        var outputs = [[Int32]](repeating: [], count: batch), finished = [Bool](repeating: false, count: batch)
        var tokens = [Int32](repeating: start, count: batch), state = state
        for _ in 0..<maxLength where finished.contains(false) {
            let step = try backend.indices(tokens, shape: tokenShape(steps: 1, batch: batch), limit: vocabulary, name: "tokens")
            let forward = try forwardSequence(.tokens(step), state: state, training: false)
            let logits = try backend.download(forward.predictions.buffer, offset: 0, count: batch * vocabulary)
            for b in 0..<batch where !finished[b] {
                let token = Int32(sampler.choose(Array(logits[(b * vocabulary)..<((b + 1) * vocabulary)])))
                if token == stop { finished[b] = true } else { outputs[b].append(token) }
                tokens[b] = token
            }
            state = forward.state
        }
        return outputs
    }

    /// The shape of `steps` x `batch` token ids in this model's layout.
    func tokenShape(steps: Int, batch: Int) -> [Int] {
        configuration.batchFirst ? [batch, steps] : [steps, batch]
    }
}

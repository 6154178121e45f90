/// Batches of independent windows at random offsets of one token sequence, each read from a zero
/// state: the other way to batch a language model's text beside `TruncatedBPTT`'s carried streams
/// (torch_charlm.py's, and nanoGPT's). No window depends on the one before, so every epoch sees the
/// text cut at new places, and training starts each window as evaluation does, from zero state.
///
/// The windows of step s depend on the seed and s alone, so a run resumed at step s reads what the
/// uninterrupted run reads there.
public struct RandomWindows {
    /// The tokens the windows are cut from (at least `length` + 1 of them).
    public let tokens: [Int32]
    /// B: windows per batch.
    public let batch: Int
    /// T: steps of each window.
    public let length: Int
    /// Seeds every step's draw.
    public let seed: UInt64

    /// Throws when the tokens hold no window of `length` + 1, or when batch or length is below 1.
    public init(tokens: [Int32], batch: Int, length: Int, seed: UInt64) throws {
        guard batch >= 1, length >= 1 else {
            throw RecurError.invalidConfiguration("batch and window length must be at least 1, got \(batch) and \(length)")
        }
        guard tokens.count >= length + 1 else {
            throw RecurError.invalidValue("\(tokens.count) tokens hold no window of \(length) steps (\(length + 1) tokens)")
        }
        self.tokens = tokens
        self.batch = batch
        self.length = length
        self.seed = seed
    }

    /// The windows of step `step` (counted from 0): (T, B) time-major inputs and next-token targets.
    /// Every stream starts from zero state, so `resetStreams` names them all.
    public func chunk(atStep step: Int) -> TruncatedBPTT.Chunk {
        // One generator per step, its seed mixed from the run's seed and the step (SplitMix64's own
        // mixing spreads neighbouring steps apart).
        var mixer = SeededGenerator(seed: seed ^ (UInt64(truncatingIfNeeded: step) &* 0xD6E8_FEB8_6659_FD93))
        var generator = SeededGenerator(seed: mixer.next())
        let starts = tokens.count - length   // window starts 0 ..< starts: each has length + 1 tokens
        var inputs = [Int32](repeating: 0, count: length * batch)
        var targets = [Int32](repeating: 0, count: length * batch)
        for b in 0..<batch {
            let start = Int.random(in: 0..<starts, using: &generator)
            for t in 0..<length {
                inputs[t * batch + b] = tokens[start + t]
                targets[t * batch + b] = tokens[start + t + 1]
            }
        }
        return TruncatedBPTT.Chunk(inputs: inputs, targets: targets, resetStreams: Array(0..<batch))
    }
}

/// A small, fast, seedable generator (SplitMix64) so that initialisation and dropout are repeatable.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    /// The whole state: a generator made with `init(seed: state)` continues the same sequence
    /// (what a checkpoint saves to resume a draw).
    public private(set) var state: UInt64

    /// Starts the sequence at `seed`: the same seed gives the same draws.
    public init(seed: UInt64) { state = seed }

    /// `RandomNumberGenerator.next()`: one SplitMix64 step, advancing `state`.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [low, high).
    public mutating func uniform(_ low: Float, _ high: Float) -> Float {
        Float.random(in: low..<high, using: &self)
    }
}

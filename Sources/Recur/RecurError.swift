import Foundation

/// Errors a user can act on: each names what was expected and what was given.
///
/// Preconditions stay for internal invariants only; anything that depends on a caller's input
/// (shapes, sizes, lengths, parameter names, files) arrives here as a typed error.
public enum RecurError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A descriptor field is out of range ("hidden size must be at least 1, got 0").
    case invalidConfiguration(String)
    /// A tensor's feature axis does not match the layer ("input has 37 features, the layer expects 64").
    case featureMismatch(tensor: String, actual: Int, expected: Int)
    /// A tensor's batch axis does not match the input's.
    case batchMismatch(tensor: String, actual: Int, expected: Int)
    /// A tensor has the wrong shape altogether.
    case shapeMismatch(tensor: String, actual: [Int], expected: [Int])
    /// A per-sequence length is zero, negative or longer than the sequence.
    case invalidLength(index: Int, length: Int, sequenceLength: Int)
    /// A parameter the layer needs is absent from the given set.
    case missingParameter(String)
    /// The given set names a parameter the layer does not have.
    case unexpectedParameter(String)
    /// A tensor was created by another backend than the one asked to use it.
    case foreignTensor(String)
    /// A value read from a file or argument is not usable (the message says which and why).
    case invalidValue(String)
    /// A size is above the limit Recur accepts (`Limits`).
    case limitExceeded(what: String, value: Int, limit: Int)
    /// A product or sum of sizes does not fit in `Int`.
    case sizeOverflow(what: String, values: [Int])
    /// A file or model asks for more memory than the budget (`Limits.memoryBudget`).
    case memoryBudgetExceeded(what: String, bytes: Int, budget: Int)
    /// A tensor read from a file holds NaN or an infinity.
    case nonFiniteValue(tensor: String, index: Int, value: Float)
    /// A buffer the device cannot hold: `bytes` asked for on `device`, whose `limit` ("its physical
    /// memory", "its largest single allocation (CL_DEVICE_MAX_MEM_ALLOC_SIZE)") is `available`;
    /// `reason` says what refused it when the allocator did (nil: refused before asking it).
    case outOfDeviceMemory(bytes: Int, device: String, limit: String, available: Int, reason: String?)
    /// A training forward given to a backward it does not belong to: another layer's, or one made
    /// before the layer's parameters changed (the message says which and what to do).
    case mismatchedForward(String)

    /// `CustomStringConvertible`: the message a user reads, naming what was expected and what was given.
    public var description: String {
        switch self {
        case .invalidConfiguration(let message):
            return message
        case .featureMismatch(let tensor, let actual, let expected):
            return "\(tensor) has \(actual) features, the layer expects \(expected)"
        case .batchMismatch(let tensor, let actual, let expected):
            return "\(tensor) has batch \(actual), the input has batch \(expected)"
        case .shapeMismatch(let tensor, let actual, let expected):
            return "\(tensor) has shape \(actual), expected \(expected)"
        case .invalidLength(let index, let length, let sequenceLength):
            if length < 1 {
                return "lengths[\(index)] is \(length): every sequence needs at least one step"
            }
            return "lengths[\(index)] is \(length), longer than the sequence (\(sequenceLength) steps)"
        case .missingParameter(let name):
            return "parameter \(name) is missing"
        case .unexpectedParameter(let name):
            return "parameter \(name) does not belong to this layer"
        case .foreignTensor(let name):
            return "\(name) lives on another backend than the one asked to use it"
        case .invalidValue(let message):
            return message
        case .limitExceeded(let what, let value, let limit):
            return "\(what) is \(value), above the limit of \(limit) (Recur's Limits)"
        case .sizeOverflow(let what, let values):
            return "\(what) does not fit in 64 bits (from \(values)): the sizes are corrupt or far too large"
        case .memoryBudgetExceeded(let what, let bytes, let budget):
            return "\(what) needs \(Self.bytes(bytes)), more than the memory budget of \(Self.bytes(budget)) (Recur's Limits.memoryBudget)"
        case .nonFiniteValue(let tensor, let index, let value):
            return "\(tensor) holds \(value) at index \(index): every value must be finite (the file is corrupt, or was saved from a diverged run)"
        case .outOfDeviceMemory(let bytes, let device, let limit, let available, let reason):
            return "cannot allocate \(Self.bytes(bytes)) on \(device): \(limit) is \(Self.bytes(available))"
                + (reason.map { "; \($0)" } ?? "") + ". Ask for less memory (a smaller batch, sequence or model)"
        case .mismatchedForward(let message):
            return message
        }
    }

    /// A byte count as people read it: "480.0 GB (480000000000 bytes)".
    public static func bytes(_ count: Int) -> String {
        let units = [(1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "kB")]
        for (scale, unit) in units where Double(count) >= scale {
            return String(format: "%.1f", Double(count) / scale) + " \(unit) (\(count) bytes)"
        }
        return "\(count) bytes"
    }
}

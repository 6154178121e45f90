import Foundation

/// The largest sizes Recur accepts from a descriptor, a checkpoint or a fixture, and the memory a
/// file may ask for. Files are untrusted (downloaded, shared, corrupted): every size in them is
/// checked against these before anything is allocated, so that a flipped bit becomes an error that
/// names the field instead of an overflow trap or a 480 GB allocation.
///
/// The limits are far above any model trained in practice (cuDNN's largest published LSTMs have
/// hidden sizes of 8192); the memory budget is what really bounds a model.
public enum Limits {
    /// Hidden units per layer and direction (H).
    public static let maxHiddenSize = 1 << 16
    /// Input features of the first layer, or the embedding width (I).
    public static let maxInputSize = 1 << 20
    /// Stacked layers (L).
    public static let maxLayers = 128
    /// Tokens of an embedding, and outputs of a head (a vocabulary of words included).
    public static let maxVocabularySize = 1 << 24
    /// Time steps of a sequence (T).
    public static let maxSequenceLength = 1 << 24
    /// Sequences of a batch (B).
    public static let maxBatchSize = 1 << 20
    /// Optimizer steps a checkpoint or a training fixture may count (a run at 1,000 steps a second
    /// takes 35 years to reach it); keeps step arithmetic far from overflow.
    public static let maxTrainingSteps = 1 << 40
    /// The JSON header of a safetensors file (the reference implementation's limit too).
    public static let maxHeaderBytes = 100_000_000
    /// Nesting depth of the header's JSON (a safetensors header needs 3 levels); bounds the parser's recursion.
    public static let maxHeaderDepth = 64
    /// Memory a file may ask for (parameters, gradients, optimizer state and the activations of the
    /// step the loader runs next), at most: 64 GiB, and never more than the machine's physical memory.
    public static let maxMemoryBytes = 64 << 30

    /// The memory budget on this machine: `maxMemoryBytes`, or the physical memory when smaller.
    public static var memoryBudget: Int {
        let physical = ProcessInfo.processInfo.physicalMemory
        return physical > 0 && physical < UInt64(maxMemoryBytes) ? Int(physical) : maxMemoryBytes
    }

    /// Throws unless `value` is in `minimum...maximum`; `what` names the field ("hidden size").
    public static func check(_ value: Int, _ what: String, minimum: Int = 1, maximum: Int) throws {
        guard value >= minimum else {
            throw RecurError.invalidConfiguration("\(what) must be at least \(minimum), got \(value)")
        }
        guard value <= maximum else {
            throw RecurError.limitExceeded(what: what, value: value, limit: maximum)
        }
    }

    /// Throws when `bytes` is above the memory budget; `what` says who asks ("checkpoint x: the model").
    public static func checkMemory(_ bytes: Int, for what: String, budget: Int = memoryBudget) throws {
        guard bytes <= budget else { throw RecurError.memoryBudgetExceeded(what: what, bytes: bytes, budget: budget) }
    }
}

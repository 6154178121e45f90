import Foundation

/// A loss value that stays on the device until it is asked for (the host waits only then).
public struct DeviceScalar {
    let backend: any Backend
    /// (1, 1) view holding the unscaled sum.
    let slot: Matrix
    let scale: Float
    /// For a squared norm: report its square root.
    var squareRoot = false

    /// Downloads the value (waits for the queued work).
    public func value() throws -> Float {
        let value = try backend.download(slot.buffer, offset: slot.offset, count: 1)[0] * scale
        return squareRoot ? value.squareRoot() : value
    }
}

/// Softmax cross-entropy fused with its gradient, averaged over the valid positions only.
public enum CrossEntropyLoss {
    /// logits (N, V) (any leading axes, V last); targets (N) with negative values for positions to
    /// ignore (padding, past a sequence's length); `validCount` of them non-negative. Returns the
    /// mean loss (on the device) and d(mean loss)/d(logits), shaped as the logits.
    public static func forwardBackward(
        _ logitTensor: Tensor, targets: IndexTensor, validCount: Int, backend: any Backend
    ) throws -> (loss: DeviceScalar, gradient: Tensor) {
        let logits = logitTensor.matrix
        guard targets.count == logits.rows else {
            throw RecurError.shapeMismatch(tensor: "targets", actual: targets.shape, expected: [logits.rows])
        }
        let scale: Float = validCount > 0 ? 1 / Float(validCount) : 0
        let losses = try backend.makeBuffer(count: logits.rows + 1)
        let gradient = Tensor(shape: logitTensor.shape, buffer: try backend.makeBuffer(count: logits.rows * logits.cols))
        try backend.softmaxCrossEntropy(
            logits, targets: targets.buffer, losses: Matrix(losses, rows: 1, cols: logits.rows), gradient: gradient.matrix,
            scale: scale)
        let total = Matrix(losses, offset: logits.rows, rows: 1, cols: 1)
        // The per-position losses as an (N, 1) column, summed into the slot after them.
        try backend.sumRows(Matrix(losses, rows: logits.rows, cols: 1), into: total, accumulate: false)
        return (DeviceScalar(backend: backend, slot: total, scale: scale), gradient)
    }
}

/// Mean squared error fused with its gradient: the mean over the observed elements of (p - t)^2,
/// a NaN target marking a missing one (a time series' gap, a sequence's padding).
public enum MeanSquaredErrorLoss {
    /// `observedCount`: how many targets are not NaN (every element when nil); the mean divides by it.
    public static func forwardBackward(_ predictions: Tensor, targets: Tensor, observedCount: Int? = nil,
                                       backend: any Backend) throws -> (loss: DeviceScalar, gradient: Tensor) {
        try FloatTargetLoss.forwardBackward(predictions, targets: targets, observedCount: observedCount, backend: backend,
                                            rows: backend.meanSquaredError)
    }
}

/// Binary cross-entropy on logits (PyTorch's `BCEWithLogitsLoss`, mean reduction) fused with its
/// gradient, for sigmoid outputs: multi-label classification, a yes/no per sequence or per step.
/// A NaN target marks a missing label, left out of the mean (a mask without a second tensor).
public enum BinaryCrossEntropyLoss {
    /// logits (N, C); targets (N, C) in [0, 1] or NaN; `observedCount` of them not NaN (every
    /// element when nil). Returns the mean loss (on the device) and d(mean loss)/d(logits).
    public static func forwardBackward(_ logits: Tensor, targets: Tensor, observedCount: Int? = nil,
                                       backend: any Backend) throws -> (loss: DeviceScalar, gradient: Tensor) {
        try FloatTargetLoss.forwardBackward(logits, targets: targets, observedCount: observedCount, backend: backend,
                                            rows: backend.binaryCrossEntropyWithLogits)
    }
}

/// What the float-target losses share: the shape and count checks, the mean's scale, the per-row
/// losses and their sum kept on the device. `rows` is the backend's fused per-row kernel.
enum FloatTargetLoss {
    typealias RowKernel = (_ inputs: Matrix, _ targets: Matrix, _ losses: Matrix, _ gradient: Matrix, _ scale: Float) throws -> Void

    static func forwardBackward(_ inputTensor: Tensor, targets targetTensor: Tensor, observedCount: Int?, backend: any Backend,
                                rows kernel: RowKernel) throws -> (loss: DeviceScalar, gradient: Tensor) {
        let inputs = inputTensor.matrix, targets = targetTensor.matrix
        guard inputs.rows == targets.rows, inputs.cols == targets.cols else {
            throw RecurError.shapeMismatch(tensor: "targets", actual: targetTensor.shape, expected: inputTensor.shape)
        }
        let count = inputs.rows * inputs.cols
        let observed = observedCount ?? count
        guard (0...count).contains(observed) else {
            throw RecurError.invalidValue("observedCount \(observed) is not between 0 and the \(count) targets")
        }
        let scale: Float = observed > 0 ? 1 / Float(observed) : 0
        let losses = try backend.makeBuffer(count: inputs.rows + 1)
        let gradient = Tensor(shape: inputTensor.shape, buffer: try backend.makeBuffer(count: count))
        try kernel(inputs, targets, Matrix(losses, rows: 1, cols: inputs.rows), gradient.matrix, scale)
        let total = Matrix(losses, offset: inputs.rows, rows: 1, cols: 1)
        try backend.sumRows(Matrix(losses, rows: inputs.rows, cols: 1), into: total, accumulate: false)
        return (DeviceScalar(backend: backend, slot: total, scale: scale), gradient)
    }
}

/// The element formulas of `BinaryCrossEntropyLoss`, written once for the CPU backend and the
/// tests (the OpenCL kernel spells out the same arithmetic).
public enum BinaryCrossEntropy {
    /// max(x, 0) - x*t + log(1 + exp(-|x|)): -[t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))]
    /// without overflow for any x.
    public static func loss(logit x: Float, target t: Float) -> Float {
        max(x, 0) - x * t + log1p(exp(-abs(x)))
    }

    /// sigmoid(x), from exp of a non-positive number only.
    public static func sigmoid(_ x: Float) -> Float {
        let e = exp(-abs(x))
        return x >= 0 ? 1 / (1 + e) : e / (1 + e)
    }
}

/// Float targets (regression values, binary labels) for the per-step losses: NaN marks a missing
/// one, and the positions past a sequence's length are marked so by `maskingPastLengths`.
public enum FloatTargets {
    /// targets (T*B*C, time-major: row t*B + b holds position t of sequence b; batch-major, row
    /// b*T + t, when `batchFirst`) with every position t >= lengths[b] set to NaN, and how many
    /// values are then not NaN.
    public static func maskingPastLengths(_ targets: [Float], steps: Int, batch: Int, width: Int,
                                          lengths: [Int]?, batchFirst: Bool = false) throws -> (values: [Float], observed: Int) {
        guard targets.count == steps * batch * width else {
            throw RecurError.shapeMismatch(tensor: "targets", actual: [targets.count], expected: [steps * batch * width])
        }
        var values = targets
        if let lengths {
            guard lengths.count == batch else {
                throw RecurError.shapeMismatch(tensor: "lengths", actual: [lengths.count], expected: [batch])
            }
            for t in 0..<steps {
                for b in 0..<batch where t >= lengths[b] {
                    let row = (batchFirst ? b * steps + t : t * batch + b) * width
                    for c in 0..<width { values[row + c] = .nan }
                }
            }
        }
        return (values, values.reduce(0) { $0 + ($1.isNaN ? 0 : 1) })
    }
}

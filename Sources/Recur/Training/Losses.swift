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
    /// logits (N, V); targets (N) with negative values for positions to ignore (padding, past a
    /// sequence's length); `validCount` of them non-negative. Returns the mean loss (on the device)
    /// and d(mean loss)/d(logits) (N, V).
    public static func forwardBackward(
        _ logits: Matrix, targets: IndexTensor, validCount: Int, backend: any Backend
    ) throws -> (loss: DeviceScalar, gradient: Matrix) {
        guard targets.count == logits.rows else {
            throw RecurError.shapeMismatch(tensor: "targets", actual: targets.shape, expected: [logits.rows])
        }
        let scale: Float = validCount > 0 ? 1 / Float(validCount) : 0
        let losses = try backend.makeBuffer(count: logits.rows + 1)
        let gradient = Matrix(try backend.makeBuffer(count: logits.rows * logits.cols), rows: logits.rows, cols: logits.cols)
        try backend.softmaxCrossEntropy(
            logits, targets: targets.buffer, losses: Matrix(losses, rows: 1, cols: logits.rows), gradient: gradient, scale: scale)
        let total = Matrix(losses, offset: logits.rows, rows: 1, cols: 1)
        // The per-position losses as an (N, 1) column, summed into the slot after them.
        try backend.sumRows(Matrix(losses, rows: logits.rows, cols: 1), into: total, accumulate: false)
        return (DeviceScalar(backend: backend, slot: total, scale: scale), gradient)
    }
}

/// Mean squared error fused with its gradient: mean over every element of (p - t)^2.
public enum MeanSquaredErrorLoss {
    public static func forwardBackward(_ predictions: Matrix, targets: Matrix, backend: any Backend) throws -> (loss: DeviceScalar, gradient: Matrix) {
        guard predictions.rows == targets.rows, predictions.cols == targets.cols else {
            throw RecurError.shapeMismatch(tensor: "targets", actual: [targets.rows, targets.cols], expected: [predictions.rows, predictions.cols])
        }
        let count = predictions.rows * predictions.cols
        let scale: Float = count > 0 ? 1 / Float(count) : 0
        let losses = try backend.makeBuffer(count: predictions.rows + 1)
        let gradient = Matrix(try backend.makeBuffer(count: count), rows: predictions.rows, cols: predictions.cols)
        try backend.meanSquaredError(
            predictions, targets: targets, losses: Matrix(losses, rows: 1, cols: predictions.rows), gradient: gradient, scale: scale)
        let total = Matrix(losses, offset: predictions.rows, rows: 1, cols: 1)
        try backend.sumRows(Matrix(losses, rows: predictions.rows, cols: 1), into: total, accumulate: false)
        return (DeviceScalar(backend: backend, slot: total, scale: scale), gradient)
    }
}

import Recur

/// Training losses that stay on the device until a report needs them. Downloading a loss makes the
/// host wait for every launch queued before it; asking once per report rather than once per step
/// keeps an OpenCL device fed with a queue of whole steps.
struct PendingLosses {
    private var pending: [(step: Int, loss: DeviceScalar)] = []

    var isEmpty: Bool { pending.isEmpty }

    mutating func append(_ loss: DeviceScalar, step: Int) {
        pending.append((step, loss))
    }

    /// The mean of the losses since the last drain (nil when there are none). A loss that is not
    /// finite stops training: `Divergence` names its step.
    mutating func drain() throws -> Double? {
        defer { pending.removeAll(keepingCapacity: true) }
        guard !pending.isEmpty else { return nil }
        var sum = 0.0
        for (step, loss) in pending {
            let value = try loss.value()
            guard value.isFinite else { throw Divergence(step: step, what: "the training loss is \(value)") }
            sum += Double(value)
        }
        return sum / Double(pending.count)
    }
}

/// Training went numerically wrong (a loss or parameter that is NaN or infinite). Caught by the
/// jobs, which say which checkpoint is kept.
struct Divergence: Error {
    let step: Int
    let what: String
}

extension RecurrentModel {
    /// Whether every parameter is finite: checked before a checkpoint is written over a good one.
    func parametersAreFinite() throws -> Bool {
        for block in blocks {
            let values = try backend.download(block.parameters, offset: 0, count: block.parameterLayout.totalCount)
            if !values.allSatisfy(\.isFinite) { return false }
        }
        return true
    }
}

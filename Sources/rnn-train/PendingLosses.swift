import Foundation
import Recur

/// Training losses that stay on the device until a report needs them. Downloading a loss makes the
/// host wait for every launch queued before it; asking once per report rather than once per step
/// keeps an OpenCL device fed with a queue of whole steps.
struct PendingLosses {
    private var pending: [(step: Int, loss: DeviceScalar)] = []
    /// The largest loss a sound run can have (LossCeiling).
    let ceiling: Double

    init(ceiling: Double) {
        self.ceiling = ceiling
    }

    var isEmpty: Bool { pending.isEmpty }

    mutating func append(_ loss: DeviceScalar, step: Int) {
        pending.append((step, loss))
    }

    /// The mean of the losses since the last drain (nil when there are none). A loss that is not
    /// finite, or above the ceiling, stops training: `Divergence` names its step.
    mutating func drain() throws -> Double? {
        defer { pending.removeAll(keepingCapacity: true) }
        guard !pending.isEmpty else { return nil }
        var sum = 0.0
        for (step, loss) in pending {
            let value = try loss.value()
            try LossCeiling.check(Double(value), ceiling: ceiling, step: step, what: "the training loss")
            sum += Double(value)
        }
        return sum / Double(pending.count)
    }
}

/// A loss that says the parameters are broken: not finite, or over a hundred times the loss of
/// guessing uniformly among the classes (ln V). Finite is not enough: a learning rate far too
/// large gives parameters of 1e30 whose losses are still finite numbers, and a checkpoint of those
/// must not replace a good one. No run that is learning comes near the ceiling.
enum LossCeiling {
    static func ceiling(classes: Int) -> Double { 100 * log(Double(max(classes, 2))) }

    static func check(_ loss: Double, ceiling: Double, step: Int, what: String) throws {
        guard loss.isFinite else { throw Divergence(step: step, what: "\(what) is \(loss)") }
        guard loss <= ceiling else {
            throw Divergence(step: step, what: String(format: "%@ is %g, over 100 times that of uniform guessing", what, loss))
        }
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

import Foundation

/// The learning rate at each step: constant, step decay, or cosine with linear warm-up.
public enum LearningRateSchedule: Codable, Equatable, Sendable {
    case constant
    /// lr * gamma^(floor(step / every)).
    case step(every: Int, gamma: Float)
    /// Linear from 0 to lr over `warmup` steps, then cosine down to `minimum` at `total` steps.
    case cosine(warmup: Int, total: Int, minimum: Float)

    /// The rate for update `step` (1-based) of a base rate.
    public func rate(_ base: Float, step: Int) -> Float {
        switch self {
        case .constant:
            return base
        case let .step(every, gamma):
            return base * Foundation.pow(gamma, Float((step - 1) / max(every, 1)))
        case let .cosine(warmup, total, minimum):
            if step <= warmup { return base * Float(step) / Float(max(warmup, 1)) }
            let progress = min(1, Double(step - warmup) / Double(max(total - warmup, 1)))
            return minimum + (base - minimum) * Float(0.5 * (1 + Foundation.cos(Double.pi * progress)))
        }
    }
}

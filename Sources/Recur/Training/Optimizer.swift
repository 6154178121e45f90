/// SGD (momentum, dampening, Nesterov, weight decay), Adam and AdamW with PyTorch's exact update
/// rules (`OptimizerStep`), over parameter blocks, one launch per block. State (momentum buffers,
/// moments) lives on the device beside the parameters, in the same flat layout.
public final class Optimizer {
    public enum Kind: String, Codable, CaseIterable, Sendable {
        case sgd, adam, adamw
    }

    public struct Configuration: Codable, Equatable, Sendable {
        public var kind: Kind
        public var learningRate: Float
        public var momentum: Float = 0
        public var dampening: Float = 0
        public var nesterov = false
        public var weightDecay: Float = 0
        public var beta1: Float = 0.9
        public var beta2: Float = 0.999
        public var epsilon: Float = 1e-8

        public init(kind: Kind, learningRate: Float, momentum: Float = 0, dampening: Float = 0, nesterov: Bool = false,
                    weightDecay: Float = 0, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
            self.kind = kind; self.learningRate = learningRate; self.momentum = momentum; self.dampening = dampening
            self.nesterov = nesterov; self.weightDecay = weightDecay; self.beta1 = beta1; self.beta2 = beta2
            self.epsilon = epsilon
        }

        public static func sgd(learningRate: Float, momentum: Float = 0, weightDecay: Float = 0) -> Configuration {
            Configuration(kind: .sgd, learningRate: learningRate, momentum: momentum, weightDecay: weightDecay)
        }
        public static func adam(learningRate: Float, weightDecay: Float = 0) -> Configuration {
            Configuration(kind: .adam, learningRate: learningRate, weightDecay: weightDecay)
        }
        public static func adamW(learningRate: Float, weightDecay: Float = 0.01) -> Configuration {
            Configuration(kind: .adamw, learningRate: learningRate, weightDecay: weightDecay)
        }

        func validate() throws {
            guard learningRate > 0, learningRate.isFinite else {
                throw RecurError.invalidConfiguration("learning rate must be positive, got \(learningRate)")
            }
            guard momentum >= 0, weightDecay >= 0, (0..<1).contains(beta1), (0..<1).contains(beta2), epsilon > 0 else {
                throw RecurError.invalidConfiguration("optimizer settings out of range: \(self)")
            }
            if nesterov && (momentum <= 0 || dampening != 0) {
                throw RecurError.invalidConfiguration("Nesterov momentum needs a momentum and zero dampening")
            }
        }

        var rule: OptimizerStep.Rule {
            switch kind {
            case .sgd: return .sgd(momentum: momentum, dampening: dampening, nesterov: nesterov)
            case .adam: return .adam(beta1: beta1, beta2: beta2, epsilon: epsilon, decoupledWeightDecay: false)
            case .adamw: return .adam(beta1: beta1, beta2: beta2, epsilon: epsilon, decoupledWeightDecay: true)
            }
        }

        /// The state buffers a block needs: names as in PyTorch's optimizer state_dict.
        var stateNames: [String] {
            switch kind {
            case .sgd: return momentum > 0 ? ["momentum_buffer"] : []
            case .adam, .adamw: return ["exp_avg", "exp_avg_sq"]
            }
        }
    }

    public let configuration: Configuration
    /// Updates done so far (PyTorch's `step` of the state).
    public internal(set) var step = 0
    /// Per block (by identity), its state buffers in `stateNames` order.
    var states: [ObjectIdentifier: [any DeviceBuffer]] = [:]

    public init(_ configuration: Configuration) throws {
        try configuration.validate()
        self.configuration = configuration
    }

    /// One update of every block from its gradients, at `learningRate` (a schedule's value for this
    /// step; the configured rate when nil).
    public func update(_ blocks: [any ParameterBlock], learningRate: Float? = nil) throws {
        step += 1
        for block in blocks {
            let state = try self.state(of: block)
            try block.backend.optimizerStep(OptimizerStep(
                rule: configuration.rule, parameters: block.parameterRow, gradients: block.gradientRow,
                state1: state.first.map { Matrix($0, rows: 1, cols: block.parameterLayout.totalCount) },
                state2: state.count > 1 ? Matrix(state[1], rows: 1, cols: block.parameterLayout.totalCount) : nil,
                learningRate: learningRate ?? configuration.learningRate, weightDecay: configuration.weightDecay,
                step: step))
            block.parametersChanged()
        }
    }

    /// The state buffers of a block, made (zero) on first use.
    func state(of block: any ParameterBlock) throws -> [any DeviceBuffer] {
        if let state = states[ObjectIdentifier(block)] { return state }
        let state = try configuration.stateNames.map { _ in try block.backend.makeBuffer(count: block.parameterLayout.totalCount) }
        states[ObjectIdentifier(block)] = state
        return state
    }
}

/// Global L2-norm gradient clipping with `torch.nn.utils.clip_grad_norm_`'s semantics: the norm of
/// all gradients together; when max_norm / (norm + 1e-6) < 1, every gradient is scaled by it.
/// The norm stays on the device (no host round trip inside a training step).
public enum GradientClipping {
    /// Returns the total norm before clipping (on the device until asked for); clips when `maxNorm` is given.
    public static func clip(_ blocks: [any ParameterBlock], maxNorm: Float?) throws -> DeviceScalar? {
        guard let backend = blocks.first?.backend else { return nil }
        let slot = Matrix(try backend.makeBuffer(count: 1), rows: 1, cols: 1)
        for (index, block) in blocks.enumerated() {
            try backend.sumOfSquares(block.gradientRow, into: slot, accumulate: index > 0)
        }
        if let maxNorm {
            for block in blocks { try backend.scaleByClipFactor(block.gradientRow, squaredNorm: slot, maxNorm: maxNorm) }
        }
        return DeviceScalar(backend: backend, slot: slot, scale: 1, squareRoot: true)
    }
}

/// SGD (momentum, dampening, Nesterov, weight decay), Adam, AdamW, RMSprop (momentum, centered) and
/// Adagrad with PyTorch's exact update rules (`OptimizerStep`), over parameter blocks, one launch per block. State (momentum buffers,
/// moments) lives on the device beside the parameters, in the same flat layout.
public final class Optimizer {
    /// Which update rule; the raw value is PyTorch's lower-case name, used in files and on command lines.
    public enum Kind: String, Codable, CaseIterable, Sendable {
        case sgd, adam
        /// Adam with decoupled weight decay; spelled "adamw" in files and on command lines, as PyTorch does.
        case adamW = "adamw"
        case rmsprop, adagrad
    }

    /// An optimizer's rule and settings, with PyTorch's meanings and defaults; stored in checkpoints as JSON.
    public struct Configuration: Codable, Equatable, Sendable {
        /// The update rule the settings below configure.
        public var kind: Kind
        /// The base rate (a schedule scales it per step).
        public var learningRate: Float
        /// SGD's and RMSprop's momentum; 0 keeps no momentum buffer.
        public var momentum: Float = 0
        /// SGD: the fraction of each gradient left out of the momentum buffer.
        public var dampening: Float = 0
        /// SGD: Nesterov momentum (needs a momentum and no dampening).
        public var nesterov = false
        /// L2 weight decay added to the gradient; AdamW's decoupled decay instead.
        public var weightDecay: Float = 0
        /// Adam: the first moment's decay.
        public var beta1: Float = 0.9
        /// Adam: the second moment's decay.
        public var beta2: Float = 0.999
        /// Adam's and RMSprop's epsilon (PyTorch's default 1e-8 for both); Adagrad's is 1e-10
        /// (`adagrad(learningRate:)` sets it).
        public var epsilon: Float = 1e-8
        /// RMSprop: the smoothing constant of the average of squares (PyTorch's `alpha`).
        public var alpha: Float = 0.99
        /// RMSprop: normalise by the estimated variance (PyTorch's `centered`).
        public var centered = false
        /// Adagrad: the learning rate decays as lr / (1 + (step - 1) * lrDecay) (PyTorch's `lr_decay`).
        public var learningRateDecay: Float = 0
        /// Adagrad: the sum of squares' starting value (PyTorch's `initial_accumulator_value`).
        public var initialAccumulatorValue: Float = 0

        /// Every setting; `epsilon` nil takes the kind's PyTorch default (1e-10 for Adagrad, else 1e-8).
        public init(kind: Kind, learningRate: Float, momentum: Float = 0, dampening: Float = 0, nesterov: Bool = false,
                    weightDecay: Float = 0, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float? = nil,
                    alpha: Float = 0.99, centered: Bool = false, learningRateDecay: Float = 0,
                    initialAccumulatorValue: Float = 0) {
            self.kind = kind; self.learningRate = learningRate; self.momentum = momentum; self.dampening = dampening
            self.nesterov = nesterov; self.weightDecay = weightDecay; self.beta1 = beta1; self.beta2 = beta2
            self.epsilon = epsilon ?? (kind == .adagrad ? 1e-10 : 1e-8)
            self.alpha = alpha; self.centered = centered; self.learningRateDecay = learningRateDecay
            self.initialAccumulatorValue = initialAccumulatorValue
        }

        /// PyTorch's `SGD`.
        public static func sgd(learningRate: Float, momentum: Float = 0, weightDecay: Float = 0) -> Configuration {
            Configuration(kind: .sgd, learningRate: learningRate, momentum: momentum, weightDecay: weightDecay)
        }
        /// PyTorch's `Adam` (betas 0.9, 0.999; eps 1e-8).
        public static func adam(learningRate: Float, weightDecay: Float = 0) -> Configuration {
            Configuration(kind: .adam, learningRate: learningRate, weightDecay: weightDecay)
        }
        /// PyTorch's `AdamW` (its default weight decay 0.01).
        public static func adamW(learningRate: Float, weightDecay: Float = 0.01) -> Configuration {
            Configuration(kind: .adamW, learningRate: learningRate, weightDecay: weightDecay)
        }
        /// PyTorch's `RMSprop` (its defaults: lr 0.01, alpha 0.99, eps 1e-8).
        public static func rmsprop(learningRate: Float = 0.01, alpha: Float = 0.99, momentum: Float = 0,
                                   centered: Bool = false, weightDecay: Float = 0) -> Configuration {
            Configuration(kind: .rmsprop, learningRate: learningRate, momentum: momentum, weightDecay: weightDecay,
                          alpha: alpha, centered: centered)
        }
        /// PyTorch's `Adagrad` (its defaults: lr 0.01, eps 1e-10).
        public static func adagrad(learningRate: Float = 0.01, learningRateDecay: Float = 0, weightDecay: Float = 0,
                                   initialAccumulatorValue: Float = 0) -> Configuration {
            Configuration(kind: .adagrad, learningRate: learningRate, weightDecay: weightDecay,
                          learningRateDecay: learningRateDecay, initialAccumulatorValue: initialAccumulatorValue)
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
            guard (0...1).contains(alpha), learningRateDecay >= 0, initialAccumulatorValue >= 0,
                  [momentum, dampening, weightDecay, alpha, learningRateDecay, initialAccumulatorValue].allSatisfy(\.isFinite) else {
                throw RecurError.invalidConfiguration(
                    "optimizer settings out of range: alpha \(alpha) must be in [0, 1], lr_decay \(learningRateDecay) and "
                        + "initial_accumulator_value \(initialAccumulatorValue) at least 0")
            }
            switch kind {
            case .sgd:
                break
            case .rmsprop:
                if nesterov || dampening != 0 {
                    throw RecurError.invalidConfiguration("RMSprop takes a momentum, but no dampening or Nesterov momentum")
                }
            case .adam, .adamW, .adagrad:
                if momentum != 0 || nesterov || dampening != 0 {
                    throw RecurError.invalidConfiguration("momentum applies to SGD and RMSprop, not \(kind.rawValue)")
                }
            }
        }

        var rule: OptimizerStep.Rule {
            switch kind {
            case .sgd: return .sgd(momentum: momentum, dampening: dampening, nesterov: nesterov)
            case .adam: return .adam(beta1: beta1, beta2: beta2, epsilon: epsilon, decoupledWeightDecay: false)
            case .adamW: return .adam(beta1: beta1, beta2: beta2, epsilon: epsilon, decoupledWeightDecay: true)
            case .rmsprop: return .rmsprop(alpha: alpha, epsilon: epsilon, momentum: momentum, centered: centered)
            case .adagrad: return .adagrad(learningRateDecay: learningRateDecay, epsilon: epsilon)
            }
        }

        /// The state buffers a block needs: names as in PyTorch's optimizer state_dict.
        var stateNames: [String] {
            switch kind {
            case .sgd: return momentum > 0 ? ["momentum_buffer"] : []
            case .adam, .adamW: return ["exp_avg", "exp_avg_sq"]
            case .rmsprop: return ["square_avg"] + (momentum > 0 ? ["momentum_buffer"] : []) + (centered ? ["grad_avg"] : [])
            case .adagrad: return ["sum"]
            }
        }

        /// The state buffers in `OptimizerStep`'s slots (state1, state2, state3), from `stateNames` order.
        func slots(_ state: [Matrix]) -> (Matrix?, Matrix?, Matrix?) {
            let named = Dictionary(uniqueKeysWithValues: zip(stateNames, state))
            switch kind {
            case .sgd: return (named["momentum_buffer"], nil, nil)
            case .adam, .adamW: return (named["exp_avg"], named["exp_avg_sq"], nil)
            case .rmsprop: return (named["square_avg"], named["momentum_buffer"], named["grad_avg"])
            case .adagrad: return (named["sum"], nil, nil)
            }
        }

        /// The value a state buffer starts from: Adagrad's sum from `initialAccumulatorValue`, every other zero.
        func initialValue(of stateName: String) -> Float {
            kind == .adagrad && stateName == "sum" ? initialAccumulatorValue : 0
        }
    }

    /// The rule and settings, fixed at creation.
    public let configuration: Configuration
    /// Updates done so far (PyTorch's `step` of the state).
    public internal(set) var step = 0
    /// Per block (by identity), its state buffers in `stateNames` order.
    var states: [ObjectIdentifier: [any DeviceBuffer]] = [:]

    /// Checks the settings' ranges (a typed error names the one out of range); state is made on first use.
    public init(_ configuration: Configuration) throws {
        try configuration.validate()
        self.configuration = configuration
    }

    /// One update of every block from its gradients, at `learningRate` (a schedule's value for this
    /// step; the configured rate when nil).
    public func update(_ blocks: [any ParameterBlock], learningRate: Float? = nil) throws {
        step += 1
        for block in blocks {
            let count = block.parameterLayout.totalCount
            let (state1, state2, state3) = configuration.slots(try self.state(of: block).map { Matrix($0, rows: 1, cols: count) })
            try block.backend.optimizerStep(OptimizerStep(
                rule: configuration.rule, parameters: block.parameterRow, gradients: block.gradientRow,
                state1: state1, state2: state2, state3: state3,
                learningRate: learningRate ?? configuration.learningRate, weightDecay: configuration.weightDecay,
                step: step))
            block.parametersChanged()
        }
    }

    /// The state buffers of a block, made on first use (zero, or Adagrad's initial accumulator value).
    func state(of block: any ParameterBlock) throws -> [any DeviceBuffer] {
        if let state = states[ObjectIdentifier(block)] { return state }
        let count = block.parameterLayout.totalCount
        let state = try configuration.stateNames.map { name in
            let buffer = try block.backend.makeBuffer(count: count)
            let value = configuration.initialValue(of: name)
            if value != 0 { try block.backend.fill(Matrix(buffer, rows: 1, cols: count), value: value) }
            return buffer
        }
        states[ObjectIdentifier(block)] = state
        return state
    }
}

/// Gradient clipping: by the global L2 norm with `torch.nn.utils.clip_grad_norm_`'s semantics (the
/// norm of all gradients together; when max_norm / (norm + 1e-6) < 1, every gradient is scaled by
/// it), and by value with `clip_grad_value_`'s. Both stay on the device (no host round trip inside
/// a training step).
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

    /// `torch.nn.utils.clip_grad_value_`: every gradient element clamped to [-limit, limit], on
    /// the device. A limit that is not a positive finite number is an error.
    public static func clipValues(_ blocks: [any ParameterBlock], limit: Float) throws {
        guard limit > 0, limit.isFinite else {
            throw RecurError.invalidConfiguration("the gradient value limit must be a positive number, got \(limit)")
        }
        for block in blocks { try block.backend.clampElements(block.gradientRow, limit: limit) }
    }
}

extension Optimizer.Configuration {
    /// Decodes the configurations checkpoints store, those written before RMSprop and Adagrad
    /// (without their settings) included: a missing setting takes PyTorch's default.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try c.decode(Optimizer.Kind.self, forKey: .kind)
        self.init(kind: kind, learningRate: try c.decode(Float.self, forKey: .learningRate),
                  momentum: try c.decodeIfPresent(Float.self, forKey: .momentum) ?? 0,
                  dampening: try c.decodeIfPresent(Float.self, forKey: .dampening) ?? 0,
                  nesterov: try c.decodeIfPresent(Bool.self, forKey: .nesterov) ?? false,
                  weightDecay: try c.decodeIfPresent(Float.self, forKey: .weightDecay) ?? 0,
                  beta1: try c.decodeIfPresent(Float.self, forKey: .beta1) ?? 0.9,
                  beta2: try c.decodeIfPresent(Float.self, forKey: .beta2) ?? 0.999,
                  epsilon: try c.decodeIfPresent(Float.self, forKey: .epsilon),
                  alpha: try c.decodeIfPresent(Float.self, forKey: .alpha) ?? 0.99,
                  centered: try c.decodeIfPresent(Bool.self, forKey: .centered) ?? false,
                  learningRateDecay: try c.decodeIfPresent(Float.self, forKey: .learningRateDecay) ?? 0,
                  initialAccumulatorValue: try c.decodeIfPresent(Float.self, forKey: .initialAccumulatorValue) ?? 0)
    }
}

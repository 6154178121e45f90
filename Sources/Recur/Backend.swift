/// A device that trains recurrent networks: it owns memory and offers the operations one BPTT
/// step needs. BPTT itself is written once, in `RecurrentLayer`, over these operations; a backend
/// passes the conformance suite (RecurTestSupport) to be trusted.
///
/// Operations are enqueued in order; a backend may run them asynchronously. Only `download`
/// (and `synchronize`) make the host wait. Operations throw the device's own failures (out of
/// device memory, a lost device); an error an operation only reports later surfaces at the next
/// `synchronize` or `download`. Shapes of every operation are checked by the caller
/// (`RecurrentLayer` and the training layers validate user input once); backends treat a mismatch as a programming error.
public protocol Backend: AnyObject {
    /// A short name for reports: "cpu", "opencl".
    var name: String { get }
    /// The device in words ("AMD EPYC 7B13, 2 threads").
    var deviceDescription: String { get }

    // MARK: Memory

    /// A zero-filled buffer of `count` 32-bit elements. A count the device cannot hold (or whose
    /// bytes overflow) throws a `RecurError` (`outOfDeviceMemory`, `sizeOverflow`), never traps.
    func makeBuffer(count: Int) throws -> any DeviceBuffer
    /// A buffer of `count` elements whose contents are unspecified (it may hold an earlier buffer's
    /// data): for results the caller writes in full before reading them, where zero-filling would
    /// be wasted work (an lstm-small training step spent 5% of its time in that memset).
    func makeScratchBuffer(count: Int) throws -> any DeviceBuffer
    /// Whether `buffer` was made by this backend (a foreign buffer is a user error, caught up front).
    func owns(_ buffer: any DeviceBuffer) -> Bool
    /// The memory this backend's buffers hold, now and at peak.
    var memory: MemoryGauge { get }
    /// The memory its device has: `makeBuffer` refuses what could never fit with
    /// `RecurError.outOfDeviceMemory`, and command lines check a run against it before starting.
    var deviceMemory: DeviceMemory { get }
    /// Copies host values into `buffer` starting at element `offset`.
    func upload(_ values: [Float], to buffer: any DeviceBuffer, offset: Int) throws
    func upload(_ values: [Int32], to buffer: any DeviceBuffer, offset: Int) throws
    /// Copies `count` elements starting at `offset` back to the host (waits for queued work).
    func download(_ buffer: any DeviceBuffer, offset: Int, count: Int) throws -> [Float]
    /// Waits until every queued operation has finished.
    func synchronize() throws
    /// Host memory of `count` floats for `enqueueRead` and `enqueueWrite` (see `HostStaging`).
    func makeHostStaging(count: Int) throws -> any HostStaging
    /// Queues a copy of `count` elements of `buffer` from `offset` into `staging` from `index`,
    /// without waiting: the values are there after the next `synchronize()`.
    func enqueueRead(_ buffer: any DeviceBuffer, offset: Int, count: Int, into staging: any HostStaging, at index: Int) throws
    /// Queues a copy of `count` elements of `staging` from `index` into `buffer` from `offset`,
    /// without waiting; the host leaves that memory alone until the next `synchronize()`.
    func enqueueWrite(from staging: any HostStaging, at index: Int, count: Int, to buffer: any DeviceBuffer, offset: Int) throws

    // MARK: Dense algebra

    /// dst = value, elementwise over the view.
    func fill(_ dst: Matrix, value: Float) throws
    /// dst = src (same rows and cols; any leading dimensions).
    func copy(_ src: Matrix, to dst: Matrix) throws
    /// C = alpha * op(A) * op(B) + beta * C, op(X) = X or X^T. op(A) is (M x K), op(B) is (K x N), C is (M x N).
    func gemm(transA: Bool, transB: Bool, alpha: Float, _ a: Matrix, _ b: Matrix, beta: Float, _ c: Matrix) throws
    /// dst[j] = (accumulate ? dst[j] : 0) + sum over rows r of src[r, j]. dst is a 1 x N view.
    func sumRows(_ src: Matrix, into dst: Matrix, accumulate: Bool) throws
    /// y += alpha * x, elementwise (same shapes): the plain SGD update, and gradient accumulation.
    func axpy(alpha: Float, _ x: Matrix, _ y: Matrix) throws

    // MARK: Recurrent cells (one time step over the batch, fused)

    /// Gate nonlinearities and state update of one time step; see `CellForwardStep`.
    func cellForward(_ step: CellForwardStep) throws
    /// Gate derivatives of one time step; see `CellBackwardStep`.
    func cellBackward(_ step: CellBackwardStep) throws
    /// next[b, :] = previous[b, :] for every row b whose sequence has ended at `time`
    /// (time >= lengths[b]); other rows unchanged. previous and next are (B, N) views, lengths
    /// (B) Int32. A projected LSTM's state and its gradient are carried past a length this way
    /// (`ProjectedSequence.swift`), as the fused cells carry theirs.
    func carryPastLength(_ previous: Matrix, into next: Matrix, lengths: any DeviceBuffer, time: Int) throws

    // MARK: Zoneout (the per-step loops apply it after each cell step; RecurrentSequence.swift)

    /// Zoneout's forward on one step's state (Krueger et al. 2016), for every row b whose sequence
    /// runs at `time` (rows that have ended are not touched): in training, unit j keeps its
    /// previous value where `ZoneoutMask.holds(seed:index:probability:)` says so, index
    /// (time * B + b) * N + j, and takes `next` elsewhere; in evaluation next = p * previous +
    /// (1 - p) * next. `output`, when given, receives the result too (the layer's y_t is the state).
    /// previous, next, output (B, N).
    func zoneout(_ previous: Matrix, _ next: Matrix, output: Matrix?, probability: Float, seed: UInt32, training: Bool,
                 time: Int, lengths: (any DeviceBuffer)?) throws
    /// Its backward (training masks): for every running row, g = gradient + outputGradient (when
    /// given); gradient = g where the unit took the new value, 0 where it held; carry = g where it
    /// held, 0 elsewhere (the part that reaches the previous state directly). Rows that have ended:
    /// carry = 0, gradient untouched. gradient, outputGradient, carry (B, N).
    func zoneoutBackward(_ gradient: Matrix, outputGradient: Matrix?, carry: Matrix, probability: Float, seed: UInt32,
                         time: Int, lengths: (any DeviceBuffer)?) throws

    // MARK: Cell clipping (cuDNN's cellClip; the per-step loop applies it after each LSTM step)

    /// For every row running at `time`: where the LSTM's new c (B, H) lies outside [-clip, clip],
    /// c = clamp(c, -clip, clip), and there h = o * tanh(c) in `hNext` and `output` and tanh(c) in
    /// the saved activations (o and tanh(c) are the saved row's gates 3 and 4, `CellMode.savedWidth`).
    func clipCellState(_ cNext: Matrix, hNext: Matrix, output: Matrix, saved: Matrix, clip: Float, time: Int,
                       lengths: (any DeviceBuffer)?) throws
    /// Its backward, after the cell's: for every running row, where c was clamped, the gradients of
    /// i, f and g (the first three H-column blocks of `dGates`, (B, 4H)) and of the previous c
    /// (`dcPrev`, (B, H)) are zero, as a clamp passes none. A unit was clamped where its saved
    /// tanh(c) (`saved` (B, 5H), gate 4) is tanh(±clip), which `clipCellState` wrote: the state
    /// itself may since have been replaced by zoneout.
    func clipCellStateBackward(_ saved: Matrix, dGates: Matrix, dcPrev: Matrix, clip: Float, time: Int,
                               lengths: (any DeviceBuffer)?) throws

    // MARK: Layer normalisation (the layer-normalised cells; LayerNormSequence.swift)

    /// Per row r of x (N, W): mean and biased variance over the row, rstd = 1 / sqrt(var + epsilon),
    /// normalized[r, :] = (x[r, :] - mean) * rstd, output[r, :] = normalized[r, :] * gain[0, :],
    /// inverseDeviation[0, r] = rstd. gain (1, W); inverseDeviation (1, N). `output` may be `x`
    /// itself (a row is read in full before it is written); `normalized` is a view of its own.
    func layerNorm(_ x: Matrix, gain: Matrix, epsilon: Float, normalized: Matrix, output: Matrix,
                   inverseDeviation: Matrix) throws
    /// The backward of `layerNorm` for x, from dy = d(loss)/d(output) (N, W): with g = dy * gain,
    /// dx[r, :] = rstd * (g - mean(g) - normalized * mean(g * normalized)), means over the row.
    /// `dx` may be `gradient` itself. The gain's gradient is `sumRowsOfProducts(gradient, normalized)`.
    func layerNormBackward(_ gradient: Matrix, normalized: Matrix, inverseDeviation: Matrix, gain: Matrix,
                           into dx: Matrix) throws
    /// dst[0, c] = (accumulate ? dst : 0) + sum over rows r of a[r, c] * b[r, c]; a and b (N, W), dst (1, W).
    func sumRowsOfProducts(_ a: Matrix, _ b: Matrix, into dst: Matrix, accumulate: Bool) throws
    /// One step of the layer-normalised LSTM's cell; see `LayerNormLSTMForwardStep`.
    func layerNormLSTMForward(_ step: LayerNormLSTMForwardStep) throws
    /// Its backward; see `LayerNormLSTMBackwardStep`.
    func layerNormLSTMBackward(_ step: LayerNormLSTMBackwardStep) throws

    // MARK: Recurrent time loops (one direction of one layer, all steps)

    /// The forward time loop; see `RecurrentForwardSequence`. The default runs
    /// `recurrentForwardPerStep`, the definition; a backend may replace it with something faster
    /// that passes the same conformance suite.
    func recurrentForward(_ sequence: RecurrentForwardSequence) throws
    /// The backward time loop; see `RecurrentBackwardSequence` (default: `recurrentBackwardPerStep`).
    func recurrentBackward(_ sequence: RecurrentBackwardSequence) throws

    // MARK: Training layers, losses and optimizers (forward beside backward)

    /// Embedding forward: out[r, :] = table[indices[r], :]. table (V, E), indices (N) Int32 in
    /// 0..<V (validated by the caller), out (N, E).
    func gatherRows(_ table: Matrix, indices: any DeviceBuffer, into out: Matrix) throws
    /// Embedding backward: table[indices[r], :] += src[r, :] for every r (repeated indices add up).
    func scatterAddRows(_ src: Matrix, indices: any DeviceBuffer, into table: Matrix) throws
    /// Linear forward's bias: m[r, :] += vector[0, :]. vector is (1, N), m is (M, N).
    func addRowVector(_ vector: Matrix, to m: Matrix) throws
    /// Inverted dropout, forward and backward with the same mask: dst = src * keep / (1 - p), where
    /// keep(i) = `DropoutMask.keeps(seed:index:probability:)` for element i = r * cols + c of the view,
    /// identical on every backend. Backward is the same call on the gradients.
    func dropout(_ src: Matrix, into dst: Matrix, probability: Float, seed: UInt32) throws

    /// Softmax cross-entropy fused with its gradient. logits (N, V); targets (N) Int32, a negative
    /// target marks a position to ignore (padding). Writes losses (1, N): -log softmax(logits)[target]
    /// (0 where ignored) and gradient (N, V): (softmax - onehot(target)) * scale (0 rows where ignored).
    /// Numerically stable (max subtracted). The caller passes scale = 1 / (valid positions) for a mean.
    func softmaxCrossEntropy(_ logits: Matrix, targets: any DeviceBuffer, losses: Matrix, gradient: Matrix, scale: Float) throws
    /// Mean squared error fused with its gradient: losses (1, N) = sum over columns of (p - t)^2 per row,
    /// gradient (N, C) = 2 * (p - t) * scale. A NaN target marks a missing value: no loss, zero gradient.
    func meanSquaredError(_ predictions: Matrix, targets: Matrix, losses: Matrix, gradient: Matrix, scale: Float) throws
    /// Binary cross-entropy on logits (PyTorch's BCEWithLogitsLoss) fused with its gradient: per
    /// element max(x, 0) - x*t + log(1 + exp(-|x|)), summed over columns into losses (1, N), and
    /// gradient (N, C) = (sigmoid(x) - t) * scale. A NaN target marks a missing value (masked out).
    func binaryCrossEntropyWithLogits(_ logits: Matrix, targets: Matrix, losses: Matrix, gradient: Matrix, scale: Float) throws

    /// dst[0, 0] = (accumulate ? dst : 0) + sum of squares of x (float accumulation in any order).
    func sumOfSquares(_ x: Matrix, into dst: Matrix, accumulate: Bool) throws
    /// Gradient clipping with clip_grad_norm_'s rule, without a host round trip: x *= min(1,
    /// maxNorm / (sqrt(squaredNorm[0, 0]) + 1e-6)), squaredNorm a (1, 1) view on the device.
    func scaleByClipFactor(_ x: Matrix, squaredNorm: Matrix, maxNorm: Float) throws
    /// Gradient clipping with clip_grad_value_'s rule: every element clamped to [-limit, limit]
    /// (NaN stays NaN, as torch.clamp_ leaves it).
    func clampElements(_ x: Matrix, limit: Float) throws
    /// One optimizer update of params from grads (same shapes), with the state it keeps; see `OptimizerStep`.
    func optimizerStep(_ step: OptimizerStep) throws
}

/// One update of a parameter block by SGD (momentum, dampening, Nesterov, weight decay), Adam /
/// AdamW, RMSprop (momentum, centered) or Adagrad, with PyTorch's exact rules (g the gradient, p the
/// parameter, t = `step`, 1 for the first update):
/// - SGD: d = g + wd*p; with momentum, buf = d on the first step, else buf = momentum*buf + (1-dampening)*d;
///   d = nesterov ? d + momentum*buf : buf; p -= lr*d.
/// - Adam: g' = g + wd*p (AdamW instead p *= 1 - lr*wd); m = b1*m + (1-b1)*g'; v = b2*v + (1-b2)*g'^2;
///   p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
/// - RMSprop: g' = g + wd*p; v = alpha*v + (1-alpha)*g'^2; centered: a = alpha*a + (1-alpha)*g',
///   den = sqrt(v - a^2) + eps, else den = sqrt(v) + eps; with momentum, buf = momentum*buf + g'/den,
///   p -= lr*buf, else p -= lr*g'/den.
/// - Adagrad: g' = g + wd*p; sum += g'^2; p -= (lr / (1 + (t-1)*lr_decay)) * g' / (sqrt(sum) + eps).
public struct OptimizerStep {
    /// The update rules above, each with the hyperparameters it uses.
    public enum Rule: Equatable, Sendable {
        case sgd(momentum: Float, dampening: Float, nesterov: Bool)
        case adam(beta1: Float, beta2: Float, epsilon: Float, decoupledWeightDecay: Bool)
        case rmsprop(alpha: Float, epsilon: Float, momentum: Float, centered: Bool)
        case adagrad(learningRateDecay: Float, epsilon: Float)
    }

    /// Which update to apply, and its hyperparameters.
    public var rule: Rule
    /// p: the parameter block, updated in place.
    public var parameters: Matrix
    /// g: the gradient, same shape as `parameters`.
    public var gradients: Matrix
    /// SGD: the momentum buffer (nil without momentum). Adam: the first moment m. RMSprop: the
    /// average of squares v. Adagrad: the sum of squares.
    public var state1: Matrix?
    /// Adam: the second moment v. RMSprop: the momentum buffer (nil without momentum).
    public var state2: Matrix?
    /// RMSprop: the average of gradients a (nil unless centered).
    public var state3: Matrix? = nil
    /// lr (Adagrad decays it: `adagradLearningRate`).
    public var learningRate: Float
    /// wd: added to the gradient as wd*p, except for AdamW, which scales p by 1 - lr*wd.
    public var weightDecay: Float
    /// 1 for the first update.
    public var step: Int

    /// Memberwise; `state3` is needed only for centered RMSprop.
    public init(rule: Rule, parameters: Matrix, gradients: Matrix, state1: Matrix?, state2: Matrix?,
                state3: Matrix? = nil, learningRate: Float, weightDecay: Float, step: Int) {
        self.rule = rule; self.parameters = parameters; self.gradients = gradients; self.state1 = state1
        self.state2 = state2; self.state3 = state3; self.learningRate = learningRate; self.weightDecay = weightDecay
        self.step = step
    }

    /// Adagrad's learning rate at this step: lr / (1 + (t - 1) * lr_decay), computed once on the
    /// host so that every backend uses the same float.
    public var adagradLearningRate: Float {
        guard case let .adagrad(decay, _) = rule else { return learningRate }
        // In double, as PyTorch computes it from Python floats, rounded once.
        return Float(Double(learningRate) / (1 + Double(step - 1) * Double(decay)))
    }
}

/// The dropout mask, defined once so that every backend draws the same one: element `index` of a
/// call with `seed` is kept when a 32-bit hash of (seed, index) is at or above probability * 2^32.
/// The hash is a few rounds of multiply-xorshift (an integer finaliser), cheap on any device; the
/// OpenCL kernel spells out the same arithmetic.
public enum DropoutMask {
    /// The 32-bit hash of (seed, index); the element is kept when it is at or above `threshold(probability:)`.
    @inline(__always)
    public static func hash(seed: UInt32, index: UInt32) -> UInt32 {
        var x = index &* 0x9E37_79B9 ^ seed
        x ^= x >> 16
        x = x &* 0x7FEB_352D
        x ^= x >> 15
        x = x &* 0x846C_A68B
        x ^= x >> 16
        return x
    }

    /// Hashes below this are dropped: probability * 2^32, computed once on the host for every backend.
    public static func threshold(probability: Float) -> UInt32 {
        UInt32(min(max(Double(probability), 0) * 4_294_967_296.0, 4_294_967_295.0))
    }
}

/// Zoneout's mask, defined once for every backend as the dropout mask is: unit `index` of a step
/// holds its previous value when the same hash is below probability * 2^32 (so it takes the new
/// one with probability 1 - p, as a dropout mask keeps a value).
public enum ZoneoutMask {
    /// Whether unit `index` keeps its previous value.
    @inline(__always)
    public static func holds(seed: UInt32, index: UInt32, threshold: UInt32) -> Bool {
        DropoutMask.hash(seed: seed, index: index) < threshold
    }

    /// The seed of one state's masks: layer l, direction d of D, h (`cell` false) or the LSTM's c.
    public static func seed(_ base: UInt32, layer: Int, direction: Int, directions: Int, cell: Bool) -> UInt32 {
        (base ^ 0x2E0F_0A75) &+ UInt32(truncatingIfNeeded: 2 * (layer * directions + direction) + (cell ? 1 : 0)) &* 0x0100_0193
    }
}

/// One fused forward time step of a cell, over B rows of the batch. Shapes use
/// B = batch, H = hidden size, G = gates (`CellMode.gateCount`), S = `CellMode.savedWidth`.
///
/// For row b, with pre-activations pre = xProj + biasIH + hProj + biasHH:
/// - RNN: h = act(pre)
/// - LSTM: i, f, g, o = sigmoid, sigmoid, tanh, sigmoid of pre; c = f*cPrev + i*g; h = o*tanh(c)
/// - GRU: r, z = sigmoid(pre_r), sigmoid(pre_z); n = tanh(xProj_n + bIH_n + r*(hProj_n + bHH_n));
///   h = (1-z)*n + z*hPrev
/// Rows whose sequence has ended (`time >= lengths[b]`) carry the state (h = hPrev, c = cPrev)
/// and write zero to `output`.
public struct CellForwardStep {
    /// The cell, which selects the equations above.
    public var mode: CellMode
    /// (B, G*H): x_t W_ih^T for this step, without bias.
    public var xProj: Matrix
    /// (B, G*H): h_{t-1} W_hh^T, without bias.
    public var hProj: Matrix
    /// (1, G*H) each, or nil when the layer has no bias.
    public var biasIH: Matrix?
    /// (1, G*H): b_hh, or nil when the layer has no bias.
    public var biasHH: Matrix?
    /// (B, H): the previous state, and where the new one goes (distinct views).
    public var hPrev: Matrix
    /// (B, H): where h_t goes.
    public var hNext: Matrix
    /// (B, H): LSTM only.
    public var cPrev: Matrix?
    /// (B, H): where c_t goes; LSTM only.
    public var cNext: Matrix?
    /// (B, H): the layer output at this time step, usually a strided view into y (ld = D*H).
    public var output: Matrix
    /// (B, S*H): activations for the backward; nil for inference and for Elman RNNs. Its first
    /// G*H columns may be `xProj` itself (`RecurrentLayer`'s training forward puts the projection
    /// there): a backend reads a unit's pre-activations before it writes that unit's activations.
    public var saved: Matrix?
    /// (B) Int32 lengths, or nil when every sequence has all T steps.
    public var lengths: (any DeviceBuffer)?
    /// The time index t of this step (compared against lengths).
    public var time: Int

    /// Memberwise.
    public init(
        mode: CellMode, xProj: Matrix, hProj: Matrix, biasIH: Matrix?, biasHH: Matrix?,
        hPrev: Matrix, hNext: Matrix, cPrev: Matrix?, cNext: Matrix?, output: Matrix,
        saved: Matrix?, lengths: (any DeviceBuffer)?, time: Int
    ) {
        self.mode = mode; self.xProj = xProj; self.hProj = hProj; self.biasIH = biasIH; self.biasHH = biasHH
        self.hPrev = hPrev; self.hNext = hNext; self.cPrev = cPrev; self.cNext = cNext; self.output = output
        self.saved = saved; self.lengths = lengths; self.time = time
    }

    /// B: the batch rows of this step.
    public var batch: Int { hPrev.rows }
    /// H: the hidden size.
    public var hidden: Int { hPrev.cols }
}

/// One fused backward time step of a cell: the mirror of `CellForwardStep`.
///
/// For row b, dh = dhNext + (valid ? dOutput : 0) is the gradient of h_t. The step writes the
/// pre-activation gradients and the part of dh_{t-1} that does not go through W_hh:
/// - dGatesX (B, G*H): gradient of x_t W_ih^T + b_ih (feeds dW_ih, db_ih and dx)
/// - dGatesH (B, G*H): gradient of h_{t-1} W_hh^T + b_hh (feeds dW_hh, db_hh and dh_{t-1});
///   equal to dGatesX except for the GRU's n block (dn * r). For other cells it may alias dGatesX.
/// - dhPrev (B, H): the direct part of dh_{t-1}: GRU dh*z, LSTM and RNN zero. The caller then adds
///   dGatesH W_hh.
/// - dcPrev (B, H): LSTM dc*f.
/// Rows whose sequence has ended pass the gradient through unchanged (dhPrev = dh, dcPrev = dc)
/// and write zero gate gradients.
public struct CellBackwardStep {
    /// The cell, which selects the gate derivatives taken.
    public var mode: CellMode
    /// (B, S*H) saved by the forward at this step. Its first G*H columns may be `dGatesX` itself
    /// (`RecurrentLayer`'s backward writes the gradients there): a backend reads a unit's saved
    /// activations before it writes that unit's gate gradients.
    public var saved: Matrix?
    /// (B, H): h_{t-1} (GRU), h_t (RNN: its derivative is taken from the output), c_{t-1} (LSTM).
    public var hPrev: Matrix
    /// (B, H): h_t, from which the Elman RNN's derivative is taken.
    public var hOut: Matrix
    /// (B, H): c_{t-1}; LSTM only.
    public var cPrev: Matrix?
    /// (B, H): gradient arriving from step t+1 (or from h_n at the last step).
    public var dhNext: Matrix
    /// (B, H): gradient of c_t arriving from step t+1 (or from c_n at the last step); LSTM only.
    public var dcNext: Matrix?
    /// (B, H): gradient of the layer output at t (a strided view into dy), or nil for none.
    public var dOutput: Matrix?
    /// (B, G*H): written, the gradient of x_t W_ih^T + b_ih (see above).
    public var dGatesX: Matrix
    /// (B, G*H): written, the gradient of h_{t-1} W_hh^T + b_hh; may alias `dGatesX` except for the GRU.
    public var dGatesH: Matrix
    /// (B, H): written, the direct part of dh_{t-1} (see above).
    public var dhPrev: Matrix
    /// (B, H): written, dc_{t-1}; LSTM only.
    public var dcPrev: Matrix?
    /// (B) Int32 lengths, or nil when every sequence has all T steps.
    public var lengths: (any DeviceBuffer)?
    /// The time index t of this step (compared against lengths).
    public var time: Int

    /// Memberwise.
    public init(
        mode: CellMode, saved: Matrix?, hPrev: Matrix, hOut: Matrix, cPrev: Matrix?,
        dhNext: Matrix, dcNext: Matrix?, dOutput: Matrix?, dGatesX: Matrix, dGatesH: Matrix,
        dhPrev: Matrix, dcPrev: Matrix?, lengths: (any DeviceBuffer)?, time: Int
    ) {
        self.mode = mode; self.saved = saved; self.hPrev = hPrev; self.hOut = hOut; self.cPrev = cPrev
        self.dhNext = dhNext; self.dcNext = dcNext; self.dOutput = dOutput; self.dGatesX = dGatesX
        self.dGatesH = dGatesH; self.dhPrev = dhPrev; self.dcPrev = dcPrev; self.lengths = lengths
        self.time = time
    }

    /// B: the batch rows of this step.
    public var batch: Int { hPrev.rows }
    /// H: the hidden size.
    public var hidden: Int { hPrev.cols }
}

extension Backend {
    /// Default: a zero-filled `makeBuffer`, for backends with nothing cheaper.
    public func makeScratchBuffer(count: Int) throws -> any DeviceBuffer { try makeBuffer(count: count) }

    /// The host's physical memory, for backends that do not say (test doubles).
    public var deviceMemory: DeviceMemory { .host(device: "the \(name) backend's machine") }

    /// A tensor holding `values` with `shape`.
    public func tensor(_ values: [Float], shape: [Int]) throws -> Tensor {
        let count = try CheckedSize.product(shape, "a tensor of shape \(shape)")
        guard values.count == count else {
            throw RecurError.shapeMismatch(tensor: "values", actual: [values.count], expected: shape)
        }
        let buffer = try makeBuffer(count: count)
        try upload(values, to: buffer, offset: 0)
        return Tensor(shape: shape, buffer: buffer)
    }

    /// A zero tensor of `shape`.
    public func zeros(_ shape: [Int]) throws -> Tensor {
        // A caller's shape: its product may overflow (a trap with `reduce(1, *)`).
        Tensor(shape: shape, buffer: try makeBuffer(count: try CheckedSize.product(shape, "a tensor of shape \(shape)")))
    }

    /// The tensor's values on the host.
    public func array(_ tensor: Tensor) throws -> [Float] {
        try download(tensor.buffer, offset: 0, count: tensor.count)
    }

    /// A matrix view's values, row-major without its row stride (a forward's `predictions`, a
    /// column block of a wider matrix): rows * cols values.
    public func array(_ matrix: Matrix) throws -> [Float] {
        guard matrix.rows > 0, matrix.cols > 0 else { return [] }
        let span = try download(matrix.buffer, offset: matrix.offset, count: (matrix.rows - 1) * matrix.ld + matrix.cols)
        if matrix.ld == matrix.cols { return span }
        return (0..<matrix.rows).flatMap { r in span[(r * matrix.ld)..<(r * matrix.ld + matrix.cols)] }
    }
}

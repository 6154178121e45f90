/// The layer-normalised LSTM cell of one time step, as shared/fixtures/FORMAT.md defines it (Ba et
/// al. 2016 as haste computes it, in PyTorch's names and gate order). Shapes: B rows, H units.
///
/// The two normalised projections arrive ready: a_x = LN(x W_ih^T) * ln_ih_weight and
/// a_h = LN(h W_hh^T) * ln_hh_weight (`Backend.layerNorm`, LayerNormSequence.swift). Per row:
///   pre = a_x + a_h + b_ih + b_hh;  i, f, g, o = sigmoid, sigmoid, tanh, sigmoid of its chunks
///   c' = f * c + i * g                          (the state carried is c', not normalised)
///   n = LN(c') * ln_cell_weight + ln_cell_bias  (over the row's H units)
///   h' = o * tanh(n)
/// Rows whose sequence has ended (`time >= lengths[b]`) carry h and c and write zero output.
public struct LayerNormLSTMForwardStep {
    /// (B, 4H): a_x, the normalised and scaled input projection of this step.
    public var xPart: Matrix
    /// (B, 4H): a_h, the normalised and scaled recurrent projection.
    public var hPart: Matrix
    /// (1, 4H) each, or nil without bias.
    public var biasIH: Matrix?
    /// (1, 4H): b_hh, or nil without bias.
    public var biasHH: Matrix?
    /// (1, H): ln_cell_weight.
    public var cellGain: Matrix
    /// (1, H): ln_cell_bias.
    public var cellBias: Matrix
    /// The normalisation's epsilon (FORMAT.md's `layer_norm_eps`).
    public var epsilon: Float
    /// (B, H) each: the previous state and where the new one goes (distinct views).
    public var hPrev: Matrix
    /// (B, H): where h' goes.
    public var hNext: Matrix
    /// (B, H): c.
    public var cPrev: Matrix
    /// (B, H): where c' goes.
    public var cNext: Matrix
    /// (B, H): the layer output at this step (a strided view into y).
    public var output: Matrix
    /// (B, `LayerNormLSTM.savedWidth(hidden:)`): what the backward needs, or nil for inference.
    public var saved: Matrix?
    /// (B) Int32 lengths, or nil when every sequence has all T steps.
    public var lengths: (any DeviceBuffer)?
    /// The time index t of this step.
    public var time: Int

    /// Memberwise.
    public init(xPart: Matrix, hPart: Matrix, biasIH: Matrix?, biasHH: Matrix?, cellGain: Matrix, cellBias: Matrix,
                epsilon: Float, hPrev: Matrix, hNext: Matrix, cPrev: Matrix, cNext: Matrix, output: Matrix,
                saved: Matrix?, lengths: (any DeviceBuffer)?, time: Int) {
        self.xPart = xPart; self.hPart = hPart; self.biasIH = biasIH; self.biasHH = biasHH; self.cellGain = cellGain
        self.cellBias = cellBias; self.epsilon = epsilon; self.hPrev = hPrev; self.hNext = hNext; self.cPrev = cPrev
        self.cNext = cNext; self.output = output; self.saved = saved; self.lengths = lengths; self.time = time
    }

    /// B.
    public var batch: Int { hPrev.rows }
    /// H.
    public var hidden: Int { hPrev.cols }
}

/// The backward of `LayerNormLSTMForwardStep`. Per row whose sequence runs, with dh = dhNext + dOutput:
///   dn = dh * o * (1 - tanh(n)^2);  dpre_o = dh * tanh(n) * o(1 - o)
///   dc = dcNext + rstd_c * (u - mean(u) - nhat * mean(u * nhat)),  u = dn * ln_cell_weight
///   dpre_i = dc * g * i(1 - i), dpre_f = dc * c * f(1 - f), dpre_g = dc * i * (1 - g^2)
///   dcPrev = dc * f, dhPrev = 0 (h enters only through a_h, whose gradient is `dGates`)
/// Rows whose sequence has ended pass dh and dc through and write zero `dGates` and `dCell`.
public struct LayerNormLSTMBackwardStep {
    /// (B, `LayerNormLSTM.savedWidth(hidden:)`) saved by the forward at this step.
    public var saved: Matrix
    /// (B, H): c of the previous step.
    public var cPrev: Matrix
    /// (1, H): ln_cell_weight.
    public var cellGain: Matrix
    /// (B, H): the gradient arriving at h'.
    public var dhNext: Matrix
    /// (B, H): the gradient arriving at c'.
    public var dcNext: Matrix
    /// (B, H): the gradient of this step's output, or nil for none.
    public var dOutput: Matrix?
    /// (B, 4H): written, d(loss)/d(pre): the gradient of a_x and of a_h, and of both biases.
    public var dGates: Matrix
    /// (B, H): written, dn, the gradient of LN(c') * ln_cell_weight + ln_cell_bias (for their gradients).
    public var dCell: Matrix
    /// (B, H): written, the direct part of the gradient of h (zero, or dh past a length).
    public var dhPrev: Matrix
    /// (B, H): written, the gradient of c.
    public var dcPrev: Matrix
    /// (B) Int32 lengths, or nil.
    public var lengths: (any DeviceBuffer)?
    /// The time index t of this step.
    public var time: Int

    /// Memberwise.
    public init(saved: Matrix, cPrev: Matrix, cellGain: Matrix, dhNext: Matrix, dcNext: Matrix, dOutput: Matrix?,
                dGates: Matrix, dCell: Matrix, dhPrev: Matrix, dcPrev: Matrix, lengths: (any DeviceBuffer)?, time: Int) {
        self.saved = saved; self.cPrev = cPrev; self.cellGain = cellGain; self.dhNext = dhNext; self.dcNext = dcNext
        self.dOutput = dOutput; self.dGates = dGates; self.dCell = dCell; self.dhPrev = dhPrev; self.dcPrev = dcPrev
        self.lengths = lengths; self.time = time
    }

    /// B.
    public var batch: Int { dhNext.rows }
    /// H.
    public var hidden: Int { dhNext.cols }
}

/// The saved activations' layout of the layer-normalised LSTM, shared by every backend: per row,
/// columns [0, 4H) i, f, g, o; [4H, 5H) tanh(n); [5H, 6H) nhat = LN(c') before its gain and bias;
/// column 6H the row's rstd of c'.
public enum LayerNormLSTM {
    /// 6H + 1 floats per row.
    public static func savedWidth(hidden: Int) -> Int { 6 * hidden + 1 }
}

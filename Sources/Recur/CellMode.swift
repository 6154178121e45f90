import Foundation

/// The recurrent cell, named as PyTorch and cuDNN name them.
public enum CellMode: String, CaseIterable, Sendable, Codable {
    /// Elman RNN with tanh: PyTorch's nn.RNN with nonlinearity 'tanh'.
    case rnnTanh = "RNN_TANH"
    /// Elman RNN with ReLU: PyTorch's nn.RNN with nonlinearity 'relu'.
    case rnnReLU = "RNN_RELU"
    /// PyTorch's nn.LSTM: gates i, f, g, o and a cell state c.
    case lstm = "LSTM"
    /// PyTorch's nn.GRU: gates r, z, n.
    case gru = "GRU"

    /// Gates stacked in the rows of `weight_ih` and `weight_hh`: LSTM (i, f, g, o), GRU (r, z, n).
    public var gateCount: Int {
        switch self {
        case .rnnTanh, .rnnReLU: return 1
        case .lstm: return 4
        case .gru: return 3
        }
    }

    /// Whether the cell carries a second state (the LSTM's c).
    public var hasCellState: Bool { self == .lstm }

    /// Whether the gradients of the hidden-side pre-activations (dGatesH, times W_hh) differ from
    /// the input-side ones (dGatesX, times W_ih): only the GRU's, whose n block is scaled by r on the
    /// hidden side. For the other cells one buffer holds both (`RecurrentBackwardSequence`).
    public var hasSeparateHiddenGateGradients: Bool { self == .gru }

    /// Per-step activations the forward saves for the backward, in units of H per batch row:
    /// LSTM (i, f, g, o, tanh c_t); GRU (r, z, n, W_hn h + b_hn); Elman RNN none (h_t itself suffices).
    public var savedWidth: Int {
        switch self {
        case .rnnTanh, .rnnReLU: return 0
        case .lstm: return 5
        case .gru: return 4
        }
    }

    /// Parses PyTorch's spelling ("LSTM", "RNN_TANH") and the lower-case one ("lstm", "rnn-tanh").
    public init?(name: String) {
        let canonical = name.uppercased().replacingOccurrences(of: "-", with: "_")
        switch canonical {
        case "RNN", "RNN_TANH", "TANH": self = .rnnTanh
        case "RNN_RELU", "RELU": self = .rnnReLU
        case "LSTM": self = .lstm
        case "GRU": self = .gru
        default: return nil
        }
    }
}

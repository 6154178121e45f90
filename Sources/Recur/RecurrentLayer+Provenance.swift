import Synchronization

/// Which layer made a training forward and on which parameters. A backward reads the forward's saved
/// rows with its own layer's shapes and weights: another layer's forward would index past them (a
/// trap) or, same-shaped, yield gradients of the wrong weights with no error; and a forward made
/// before the parameters changed holds activations of the old values, so its gradients would be
/// those of parameters that no longer exist (PyTorch refuses this too: "one of the variables needed
/// for gradient computation has been modified by an inplace operation").
struct ForwardProvenance {
    let layer: UInt64
    let descriptor: RNNDescriptor
    let parameterVersion: Int
}

extension RecurrentLayer {
    private static let identities = Atomic<UInt64>(0)

    static func nextIdentity() -> UInt64 {
        identities.add(1, ordering: .relaxed).newValue
    }

    /// Records that `parameters` changed: a forward made before cannot be backpropagated. The API's
    /// writes (`setParameter`, `loadParameters`, `Optimizer.update`) call it; a caller writing into
    /// the buffer directly (`backend.upload(_:to: layer.parameters, ...)`) must call it too.
    public func parametersChanged() {
        parameterVersion &+= 1
    }

    /// Throws `mismatchedForward` unless `provenance` is this layer's, at its current parameters.
    func checkProvenance(_ provenance: ForwardProvenance) throws {
        guard provenance.layer == identity else {
            let made = Self.summary(provenance.descriptor), mine = Self.summary(descriptor)
            let which = made == mine ? "another layer of the same shape (\(made))" : "another layer (\(made))"
            throw RecurError.mismatchedForward(
                "this forward was made by \(which), not by the layer asked to backpropagate it (\(mine)); "
                + "give each layer's backward the result of that layer's own forward")
        }
        guard provenance.parameterVersion == parameterVersion else {
            throw RecurError.mismatchedForward(
                "the layer's parameters changed after this forward (an optimizer update, setParameter or "
                + "loadParameters): its saved activations are of the old values and would give wrong gradients; "
                + "run forward again after changing the parameters, then backward")
        }
    }

    /// "LSTM, 2 layers of 16, input 8" (and "bidirectional" where it is).
    static func summary(_ d: RNNDescriptor) -> String {
        "\(d.mode.rawValue), \(d.numLayers) layer\(d.numLayers == 1 ? "" : "s") of \(d.hiddenSize), input \(d.inputSize)"
            + (d.bidirectional ? ", bidirectional" : "")
    }
}

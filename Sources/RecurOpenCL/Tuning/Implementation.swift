/// The OpenCL implementations whose defaults were measured apart, told by their platform's name:
/// the same CPU runs POCL, Intel's runtime and Mesa's rusticl at very different speeds per kernel.
enum Implementation: Equatable {
    case pocl, intel, rusticl, other

    init(_ device: Device) {
        let platform = device.platform.name.lowercased()
        if platform.contains("portable computing language") || platform.contains("pocl") { self = .pocl }
        else if platform.contains("intel") { self = .intel }
        else if platform.contains("rusticl") { self = .rusticl }
        else { self = .other }
    }

    /// The largest batch `.automatic` runs through the fused loop (where the whole-sequence loop
    /// does not run). rusticl (llvmpipe, 2-core AMD EPYC): lstm-small training 2.3 s a step fused
    /// against 11.1 s per step (each small per-step launch costs milliseconds there), so every
    /// batch; elsewhere `OpenCLBackend.fusedBatchLimit`'s measurements.
    var fusedBatchLimit: Int {
        switch self {
        case .rusticl: Int.max
        case .pocl, .intel, .other: OpenCLBackend.fusedBatchLimit
        }
    }
}

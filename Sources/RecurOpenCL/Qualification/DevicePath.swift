/// A way of running work on an OpenCL device that an implementation may get wrong, and that the
/// backend can do without: each is qualified per device by a self-test (`PathSelfTest`) before it
/// is chosen, so that a driver that miscompiles or mis-schedules one costs speed, not correctness.
public enum DevicePath: String, CaseIterable, Codable, Sendable, Comparable {
    /// gemm_tiled (GPUs' GEMM).
    case tiledGEMM = "gemm-tiled"
    /// pack_b_panels + gemm_packed (CPU devices' GEMM).
    case packedGEMM = "gemm-packed"
    /// One fused kernel per time step.
    case fused
    /// One recurrent GEMM and one cell kernel per time step.
    case perStep = "per-step"
    /// One work-item loops over every time step of a layer direction (sequence_forward.cl,
    /// sequence_backward.cl). Relies on long loops in one work-item running to their end: Mesa's
    /// llvmpipe stopped them after 65,535 iterations, silently (wrong c_n and gradients from T=200).
    case wholeSequence = "whole-sequence"
    /// The whole-sequence loop's batch split by rows across queues that wait on each other's markers.
    case rowParts = "whole-sequence-row-parts"
    /// The whole-sequence loop's steps shared out by hidden units among work-groups that wait on
    /// each other through an atomic counter (sequence_parts.cl). OpenCL 1.2 promises neither that
    /// started work-groups keep making progress nor that one group's writes are visible to
    /// another, so this runs only where the self-test found it right.
    case unitParts = "whole-sequence-unit-parts"

    /// The paths whose self-test needs `path` to work (a path is tested on top of them).
    var requires: [DevicePath] {
        switch self {
        case .tiledGEMM, .packedGEMM: []
        case .fused, .perStep: []
        case .wholeSequence: [.packedGEMM]
        case .rowParts, .unitParts: [.packedGEMM, .wholeSequence]
        }
    }

    /// Whether the backend could ever choose the path on a device of `kind`: the whole-sequence
    /// loop runs only on CPU devices (a GPU would run it on one compute unit).
    static func applies(to kind: Device.Kind) -> [DevicePath] {
        allCases.filter { kind == .cpu || ![.wholeSequence, .rowParts, .unitParts].contains($0) }
    }

    /// Paths order as `allCases` lists them.
    public static func < (a: DevicePath, b: DevicePath) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

extension KernelFile {
    /// Kernel-less files a program includes between common.cl and the file itself, in order: the
    /// packed GEMM block is shared by the GEMM and by the whole-sequence kernels, which run it
    /// inside their time loop, and share their units out through sequence_parts.cl. (common.cl
    /// goes first in every program and is not listed.)
    var preludes: [KernelFile] {
        switch self {
        case .gemm: [.packedBlock]
        case .sequenceForward, .sequenceBackward: [.packedBlock, .sequenceParts]
        default: []
        }
    }
}

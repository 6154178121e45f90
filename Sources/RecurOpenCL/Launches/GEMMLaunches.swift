// Launches of Kernels/gemm.cl: C = alpha * op(A) * op(B) + beta * C on row-major views.
// op(A) is M x K, op(B) is K x N, C is M x N (see the kernel file for the two paths).

/// `gemm_tiled`: the general kernel (any transposes, sizes and strides); the GPU path.
/// Range (ceil(N / BN) * WG_N, ceil(M / BM) * WG_M) with local (WG_N, WG_M), BM = WG_M * TM,
/// BN = WG_N * TN.
struct GEMMTiled: KernelLaunch {
    static let kernel = KernelName.gemmTiled

    var m, n, k, transA, transB: Int32
    var alpha: Float
    var a, b: ViewArgument
    var beta: Float
    var c: ViewArgument
    var tuning: GEMMTuning

    var arguments: [KernelArgument] {
        [.int32(m), .int32(n), .int32(k), .int32(transA), .int32(transB), .float(alpha)]
            + a.arguments + b.arguments + [.float(beta)] + c.arguments
    }
    var globalSize: [Int] {
        let rows = tuning.workGroupRows * tuning.rowsPerItem, cols = tuning.workGroupCols * tuning.colsPerItem
        return [(Int(n) + cols - 1) / cols * tuning.workGroupCols, (Int(m) + rows - 1) / rows * tuning.workGroupRows]
    }
    var localSize: [Int]? { [tuning.workGroupCols, tuning.workGroupRows] }
    var defines: [String: String] { tuning.tiledDefines }
}

/// `pack_b_panels`: op(B) (K x N) into ceil(N/16) panels of K x 16, zero-padded. Range (ceil(K/16),
/// ceil(N/16)): a work-item per 16 x 16 block.
/// With `gates`, the N columns come as gates of `stride` columns of which the first `width` are
/// op(B)'s (W_hh^T with each gate padded, for the forward in unit parts); without, one gate of N.
struct PackBPanels: KernelLaunch {
    static let kernel = KernelName.packBPanels

    var k, n, transB: Int32
    var b: ViewArgument
    var packed: Buffer
    var packedOffset: Int32
    var gates: (stride: Int32, width: Int32)? = nil

    var arguments: [KernelArgument] {
        let (stride, width) = gates ?? (n, n)
        return [.int32(k), .int32(n), .int32(transB)] + b.arguments
            + [.buffer(packed, needs: Int(packedOffset) + Self.packedCount(k: Int(k), n: Int(n))), .int32(packedOffset)]
            + [.int32(max(stride, 1)), .int32(max(width, 1))]
    }
    var globalSize: [Int] { [(Int(k) + 15) / 16, (Int(n) + 15) / 16] }
    var cpuGroups: Bool { true }

    /// Elements the packed form of a K x N matrix takes.
    static func packedCount(k: Int, n: Int) -> Int { (n + 15) / 16 * 16 * k }
}

/// `pack_a_rows`: a contiguous row-major copy (M x K) of op(A) when A is stored transposed.
/// Range (ceil(K/8), ceil(M/8)).
struct PackARows: KernelLaunch {
    static let kernel = KernelName.packARows

    var m, k: Int32
    var a: ViewArgument
    var out: Buffer
    var outOffset: Int32

    var arguments: [KernelArgument] {
        [.int32(m), .int32(k)] + a.arguments + [.buffer(out, needs: Int(outOffset) + Int(m) * Int(k)), .int32(outOffset)]
    }

    var globalSize: [Int] { [(Int(k) + 7) / 8, (Int(m) + 7) / 8] }
    var cpuGroups: Bool { true }
}

/// `gemm_packed`: C = alpha * A * packed(op(B)) + beta * C, A row-major; the CPU-device path.
/// Each work-item computes an 8 x 32 block of C (two panels, GEMM_MR rows at a time); range
/// (ceil(rowBlocks / L) * L, ceil(N / 32)) with rowBlocks = ceil(M / 8), local (L, 1).
struct GEMMPacked: KernelLaunch {
    static let kernel = KernelName.gemmPacked

    var m, n, k: Int32
    var alpha: Float
    var a: ViewArgument
    var packed: Buffer
    var packedOffset: Int32
    var beta: Float
    var c: ViewArgument
    var tuning: GEMMTuning

    var arguments: [KernelArgument] {
        [.int32(m), .int32(n), .int32(k), .float(alpha)] + a.arguments
            + [.buffer(packed, needs: Int(packedOffset) + PackBPanels.packedCount(k: Int(k), n: Int(n))), .int32(packedOffset)]
            + [.float(beta)] + c.arguments
    }
    private var rowBlocks: Int { (Int(m) + 7) / 8 }
    private var groupWidth: Int { max(1, min(tuning.packedGroup, rowBlocks)) }
    var globalSize: [Int] { [(rowBlocks + groupWidth - 1) / groupWidth * groupWidth, (Int(n) + 31) / 32] }
    var localSize: [Int]? { [groupWidth, 1] }
    var defines: [String: String] { tuning.packedDefines }
}

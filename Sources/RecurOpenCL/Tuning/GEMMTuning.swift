/// GEMM tile parameters, passed to Kernels/gemm.cl as `-D` defines, with defaults per device type.
/// `rnn-bench tune` measures better ones per device and caches them (`GEMMTuningCache`); the
/// backend loads them at start.
public struct GEMMTuning: Hashable, Sendable, Codable {
    /// Use pack_b_panels + gemm_packed (CPU devices) rather than gemm_tiled (GPUs).
    public var packed: Bool
    // gemm_tiled (measured on POCL: 8 x 8 blocks in 4 x 4 groups, no local memory, is its best)
    /// GEMM_TM, GEMM_TN: the register block of C one work-item computes.
    public var rowsPerItem = 8, colsPerItem = 8
    /// GEMM_WG_M, GEMM_WG_N: the work-group's shape.
    public var workGroupRows = 4, workGroupCols = 4
    /// GEMM_LOCAL: stage tiles of A and B in local memory.
    public var localTiles = false
    /// GEMM_TK: the depth of a local-memory tile (with `localTiles` only).
    public var tileDepth = 16
    // gemm_packed: rows per inner pass (nil: the kernel's default, 8 when compiled for AVX-512, else 4;
    // 8 measured 10-40% faster than 4 on this AVX-512 machine) and row blocks per work-group.
    /// GEMM_MR: rows of C in registers per pass (1, 2, 4 or 8; nil: the kernel's default).
    public var packedRows: Int?
    /// Row blocks (of 8 rows) per work-group of gemm_packed.
    public var packedGroup = 8

    /// Each parameter as given; `defaults(for:)` gives a device type's starting point.
    public init(packed: Bool, rowsPerItem: Int = 8, colsPerItem: Int = 8, workGroupRows: Int = 4, workGroupCols: Int = 4,
                localTiles: Bool = false, tileDepth: Int = 16, packedRows: Int? = nil, packedGroup: Int = 8) {
        self.packed = packed
        self.rowsPerItem = rowsPerItem
        self.colsPerItem = colsPerItem
        self.workGroupRows = workGroupRows
        self.workGroupCols = workGroupCols
        self.localTiles = localTiles
        self.tileDepth = tileDepth
        self.packedRows = packedRows
        self.packedGroup = packedGroup
    }

    /// Defaults by device type. CPU devices (POCL): the packed path (DESIGN.md, "Fast OpenCL on
    /// POCL": 120-170 GFLOP/s against 2-22 for the tiled kernel there). GPUs: 4 x 4 register blocks
    /// in 16 x 16 work-groups through local-memory tiles (not measured yet: no GPU in CI).
    public static func defaults(for kind: Device.Kind) -> GEMMTuning {
        switch kind {
        case .cpu: return GEMMTuning(packed: true)
        default:
            return GEMMTuning(packed: false, rowsPerItem: 4, colsPerItem: 4, workGroupRows: 16, workGroupCols: 16,
                              localTiles: true)
        }
    }

    /// The tiled path's defaults for `device`: the GPU defaults where its work-groups are large
    /// enough, else 8 x 8 blocks in 4 x 4 groups without local memory (POCL's best tiled shape).
    static func tiled(for device: Device) -> GEMMTuning {
        let gpu = defaults(for: .gpu)
        return gpu.problem(maxWorkGroupSize: device.maxWorkGroupSize, localMemoryBytes: device.localMemoryBytes) == nil ? gpu : GEMMTuning(packed: false)
    }

    /// The GEMM path these parameters run.
    var path: DevicePath { packed ? .packedGEMM : .tiledGEMM }

    var tiledDefines: [String: String] {
        ["GEMM_TM": "\(rowsPerItem)", "GEMM_TN": "\(colsPerItem)", "GEMM_WG_M": "\(workGroupRows)",
         "GEMM_WG_N": "\(workGroupCols)", "GEMM_LOCAL": localTiles ? "1" : "0", "GEMM_TK": "\(tileDepth)"]
    }

    var packedDefines: [String: String] { packedRows.map { ["GEMM_MR": "\($0)"] } ?? [:] }

    /// The parameters the chosen path uses, for tables and logs: "packed MR=8 L=8",
    /// "tiled 8x8 in 4x4 global", "tiled 4x4 in 16x16 local TK=16".
    public var summary: String {
        if packed { return "packed MR=\(packedRows.map(String.init) ?? "default") L=\(packedGroup)" }
        let memory = localTiles ? "local TK=\(tileDepth)" : "global"
        return "tiled \(rowsPerItem)x\(colsPerItem) in \(workGroupRows)x\(workGroupCols) \(memory)"
    }

    /// Why these parameters cannot run on a device whose work-groups hold at most
    /// `maxWorkGroupSize` work-items and `localMemoryBytes` of local memory, or nil when they can.
    /// A tuning read from a file is checked here before any kernel is built with it.
    public func problem(maxWorkGroupSize: Int, localMemoryBytes: Int = .max) -> String? {
        let sizes = [("rowsPerItem", rowsPerItem), ("colsPerItem", colsPerItem), ("workGroupRows", workGroupRows),
                     ("workGroupCols", workGroupCols), ("tileDepth", tileDepth), ("packedGroup", packedGroup)]
        // 64 bounds the register arrays and the local tiles; nothing near it is ever useful.
        if let (name, value) = sizes.first(where: { !(1...64).contains($0.1) }) { return "\(name) is \(value), not in 1...64" }
        if let packedRows, ![1, 2, 4, 8].contains(packedRows) { return "packedRows is \(packedRows), not 1, 2, 4 or 8" }
        let group = packed ? packedGroup : workGroupRows * workGroupCols
        if group > maxWorkGroupSize { return "a work-group of \(group) exceeds the device's \(maxWorkGroupSize)" }
        if localTileBytes > localMemoryBytes {
            return "local tiles of \(localTileBytes) bytes exceed the device's \(localMemoryBytes) bytes of local memory"
        }
        return nil
    }

    /// The bytes of gemm_tiled's static `__local` tiles (Kernels/gemm.cl: tileA[TK][BM + 1] and
    /// tileB[TK][BN + 1] floats), 0 without `localTiles`. The sizes are `-D` defines, so a tuning
    /// that needs more than the device has would fail only at launch; it is refused here instead.
    var localTileBytes: Int {
        guard !packed, localTiles else { return 0 }
        let blockRows = workGroupRows * rowsPerItem, blockCols = workGroupCols * colsPerItem
        return tileDepth * (blockRows + 1 + blockCols + 1) * MemoryLayout<Float>.size
    }
}

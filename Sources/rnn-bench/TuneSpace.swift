import RecurOpenCL

/// The GEMM parameters `rnn-bench tune` tries. Every candidate differs from its base in the
/// parameters of one path only, so that its summary (`GEMMTuning.summary`) identifies it.
enum TuneSpace {
    static let packedRows = [1, 2, 4, 8]
    static let packedGroups = [1, 2, 4, 8, 16, 32]
    static let blocks = [2, 4, 8]
    static let groups = [4, 8, 16]
    static let depths = [8, 16, 32]

    /// The packed path: GEMM_MR x work-group width, all of them.
    static func packed(maxWorkGroupSize: Int) -> [GEMMTuning] {
        packedRows.flatMap { rows in
            packedGroups.filter { $0 <= maxWorkGroupSize }.map { GEMMTuning(packed: true, packedRows: rows, packedGroup: $0) }
        }
    }

    /// The tiled path searched one group of parameters at a time, each stage starting from the best
    /// tiled candidate so far: the register block (TM x TN), then the work-group (WG_M x WG_N), then
    /// the memory (global, or local tiles of each depth). 9 + 9 + 4 candidates instead of the 324
    /// of the full product (`tiledProduct`), most of which are slow on any device.
    static let tiledStageCount = 3

    static func tiledStage(_ stage: Int, base: GEMMTuning, maxWorkGroupSize: Int) -> [GEMMTuning] {
        switch stage {
        case 0:
            return blocks.flatMap { tm in blocks.map { tn in modified(base) { $0.rowsPerItem = tm; $0.colsPerItem = tn } } }
        case 1:
            return groups.flatMap { wm in
                groups.filter { wm * $0 <= maxWorkGroupSize }.map { wn in
                    modified(base) { $0.workGroupRows = wm; $0.workGroupCols = wn }
                }
            }
        default:
            return [modified(base) { $0.localTiles = false }]
                + depths.map { tk in modified(base) { $0.localTiles = true; $0.tileDepth = tk } }
        }
    }

    /// Every tiled setting (--exhaustive).
    static func tiledProduct(maxWorkGroupSize: Int) -> [GEMMTuning] {
        let memories: [(Bool, Int)] = [(false, 16)] + depths.map { (true, $0) }
        return blocks.flatMap { tm in blocks.flatMap { tn in groups.flatMap { wm in groups.flatMap { wn in
            memories.compactMap { local, tk in
                wm * wn > maxWorkGroupSize ? nil : GEMMTuning(
                    packed: false, rowsPerItem: tm, colsPerItem: tn, workGroupRows: wm, workGroupCols: wn,
                    localTiles: local, tileDepth: tk)
            }
        } } } }
    }

    /// A handful (--quick, for tests): two packed settings and two tiled ones around the defaults.
    static func quick(maxWorkGroupSize: Int) -> [GEMMTuning] {
        [GEMMTuning(packed: true, packedRows: 4, packedGroup: 8),
         GEMMTuning(packed: true, packedRows: 8, packedGroup: min(16, maxWorkGroupSize)),
         GEMMTuning(packed: false),
         GEMMTuning(packed: false, rowsPerItem: 4, colsPerItem: 4, workGroupRows: 8, workGroupCols: 8, localTiles: true)]
    }

    /// The tiled path's starting point: the device's tiled parameters, switched to the tiled path.
    static func tiledBase(from defaults: GEMMTuning) -> GEMMTuning {
        modified(defaults) { $0.packed = false }
    }

    private static func modified(_ base: GEMMTuning, _ change: (inout GEMMTuning) -> Void) -> GEMMTuning {
        var tuning = base
        change(&tuning)
        return tuning
    }
}

@testable import RecurOpenCL
import Testing

/// Launches are checked against the device's and the kernel's limits before anything is
/// enqueued (`LaunchLimits`), and GEMM tunings against the device's local memory. The limits are
/// faked here, so no GPU is needed to see the errors a GPU would give.
@Suite struct LaunchLimitTests {
    let limits = LaunchLimits(maxWorkGroupSize: 128, deviceLocalMemoryBytes: 32_768, staticLocalMemoryBytes: 8_192)

    @Test func aWorkGroupOverTheKernelsLimitIsATypedError() {
        #expect(throws: OpenCLError.launchExceedsLimit(kernel: .gemmTiled, what: "work-group of [16, 16]",
                                                        requested: 256, limit: 128, unit: "work-items")) {
            try limits.check(.gemmTiled, local: [16, 16], arguments: [])
        }
    }

    @Test func legalLaunchesPass() throws {
        try limits.check(.gemmTiled, local: [8, 16], arguments: [.local(bytes: 24_576)])
        try limits.check(.gemmTiled, local: nil, arguments: [])
    }

    @Test func localMemoryCountsStaticArraysAndArguments() {
        #expect(throws: OpenCLError.launchExceedsLimit(kernel: .gemmTiled, what: "local memory",
                                                        requested: 32_769, limit: 32_768, unit: "bytes")) {
            try limits.check(.gemmTiled, local: [4, 4], arguments: [.local(bytes: 24_577)])
        }
    }

    @Test func gemmTuningOverLocalMemoryIsRefused() throws {
        // 16 x 16 groups of 8 x 8 blocks, TK 64: 64 * (129 + 129) * 4 = 66,048 bytes of tiles.
        let big = GEMMTuning(packed: false, rowsPerItem: 8, colsPerItem: 8, workGroupRows: 16, workGroupCols: 16,
                             localTiles: true, tileDepth: 64)
        #expect(big.localTileBytes == 66_048)
        let problem = try #require(big.problem(maxWorkGroupSize: 1024, localMemoryBytes: 49_152))
        #expect(problem.contains("local memory"))
        // Without local tiles the same shape needs none.
        var global = big
        global.localTiles = false
        #expect(global.problem(maxWorkGroupSize: 1024, localMemoryBytes: 49_152) == nil)
        // The GPU defaults fit the 32 KiB every OpenCL 1.2 GPU has.
        #expect(GEMMTuning.defaults(for: .gpu).problem(maxWorkGroupSize: 256, localMemoryBytes: 32_768) == nil)
    }

    /// The groups the launcher gives a `cpuGroups` launch on a CPU device: about 16 a compute unit,
    /// whole rows of dimension 0 where dimension 1 alone makes that many, and never more work-items
    /// than the kernel allows (rusticl's CPU device allowed pack_a_rows 32; asking 128 failed).
    @Test func cpuGroupsShareTheRangeWithinTheKernelsLimit() {
        // W_hh^T of H 129 (9 x 36 blocks) on 2 compute units: dimension 1 alone gives 36 groups.
        #expect(cpuLocalSize(global: [9, 36], computeUnits: 2, maxItems: 4096) == [9, 1])
        // op(A) 1028 x 150 as 8 x 8 blocks (19 x 129): 129 rows already make the groups.
        #expect(cpuLocalSize(global: [19, 129], computeUnits: 2, maxItems: 4096) == [19, 1])
        // A short dimension 1 is made up by cutting dimension 0: 400 x 4 on 2 units, 32 groups wanted.
        #expect(cpuLocalSize(global: [400, 4], computeUnits: 2, maxItems: 4096) == [50, 1])
        // 64 compute units want 1024 groups: 400 x 4 cut to groups of 2.
        #expect(cpuLocalSize(global: [400, 4], computeUnits: 64, maxItems: 4096) == [2, 1])
        // The kernel's limit caps the share.
        #expect(cpuLocalSize(global: [400, 4], computeUnits: 2, maxItems: 32) == [32, 1])
        #expect(cpuLocalSize(global: [128, 512], computeUnits: 2, maxItems: 32) == [32, 1])
        // A degenerate report (no compute units, no items) still gives a legal group.
        #expect(cpuLocalSize(global: [5, 1], computeUnits: 0, maxItems: 0) == [1, 1])
    }
}

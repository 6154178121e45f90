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
}

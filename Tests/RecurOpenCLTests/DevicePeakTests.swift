@testable import RecurOpenCL
import Testing

/// Kernels/peak.cl and `DevicePeak`: the kernel does all the work its flop count says (a launch
/// with a = b = 1 ends at a value that counts every accumulator lane and every round), and the
/// measurement is a positive, finite rate from a launch the device accepts.
@Suite(.enabled(if: TestDevice.shouldRun, TestDevice.skipReason))
struct DevicePeakTests {
    /// 64 work-items in groups of 8, 1000 rounds: each lane ends at g + j + 1000, at most
    /// 63 + 127 + 1000, and the sum of 128 lanes stays far below 2^24, so every value is exact.
    @Test(arguments: FMAPeak.widths, [false, true])
    func theKernelRunsEveryRoundOnEveryLane(width: Int, fused: Bool) throws {
        let queue = try TestDevice.queue()
        let workItems = 64, iterations = 1000
        let out = try Buffer(context: queue.context, count: workItems)
        try queue.fill(out, with: Float.nan)
        try queue.enqueue(FMAPeak(out: out, a: 1, b: 1, iterations: Int32(iterations), workItems: workItems, groupSize: 8, width: width, fused: fused))
        let values = try queue.read(out, count: workItems)
        for g in 0..<workItems {
            let expected = FMAPeak.expectedOutputOfOnes(workItem: g, width: width, iterations: iterations)
            #expect(Double(values[g]) == expected, "width \(width), work-item \(g)")
        }
        // The lanes the output counts are the lanes the flop count charges: out[g] grows by one
        // per lane and round, and each lane and round is counted as 2 flops.
        let lanes = Double(values[5]) - Double(values[4])
        #expect(lanes == Double(FMAPeak.flopsPerWorkItem(width: width, iterations: 1) / 2), "width \(width)")
    }

    /// The accumulator count the host charges is the one the kernel file defines.
    @Test func theHostCountsTheKernelsAccumulators() {
        #expect(KernelName.fmaPeak.file.source.contains("#define RECUR_PEAK_ACCUMULATORS \(FMAPeak.accumulators)\n"))
    }

    @Test func theMeasuredPeakIsAPositiveFiniteRate() throws {
        let device = try TestDevice.device()
        let peak = try DevicePeak.measure(device: device, repeats: 1, widths: [1, 4])
        #expect(peak.gflops.isFinite && peak.gflops > 0, "\(peak)")
        #expect(peak.byWidth.map(\.width) == [1, 4, 1, 4])
        #expect(peak.byWidth.map(\.fused) == [false, false, true, true])
        #expect(peak.byWidth.allSatisfy { $0.gflops.isFinite && $0.gflops > 0 }, "\(peak)")
        #expect(peak.gflops == peak.byWidth.map(\.gflops).max())
        #expect(peak.byWidth.first { $0.width == peak.width && $0.fused == peak.fused }?.gflops == peak.gflops)
        // The launch fits the device and the compiled kernel, and fills every compute unit.
        let kernel = try TestDevice.queue().kernel(.fmaPeak, defines: ["RECUR_PEAK_WIDTH": String(peak.width), "RECUR_PEAK_FUSED": peak.fused ? "1" : "0"])
        let kernelLimit = try kernel.workGroupSize(on: device)
        #expect(peak.groupSize >= 1 && peak.groupSize <= kernelLimit)
        #expect(peak.groupSize <= device.maxWorkGroupSize)
        #expect(peak.workItems == device.computeUnits * peak.groupSize * DevicePeak.groupsPerComputeUnit)
        #expect(peak.iterations >= 16)
    }

    @Test func badRequestsAreTypedErrors() throws {
        let device = try TestDevice.device()
        for (repeats, widths) in [(0, [4]), (1, [3]), (1, [])] {
            let error = thrownError { () throws(OpenCLError) in _ = try DevicePeak.measure(device: device, repeats: repeats, widths: widths) }
            guard case .invalidArgument = error else {
                Issue.record("repeats \(repeats), widths \(widths): \(String(describing: error))")
                continue
            }
        }
    }
}

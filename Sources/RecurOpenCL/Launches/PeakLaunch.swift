/// The launch of Kernels/peak.cl: `iterations` rounds of fused multiply-adds on every accumulator
/// lane of each work-item, then out[g] = the sum of its lanes. Range: (workItems), in work-groups
/// of `groupSize`; out holds one float per work-item.
struct FMAPeak: KernelLaunch {
    static let kernel = KernelName.fmaPeak

    /// The vector widths the kernel compiles for (RECUR_PEAK_WIDTH).
    static let widths = [1, 2, 4, 8, 16]
    /// Independent accumulators per work-item (RECUR_PEAK_ACCUMULATORS in peak.cl).
    static let accumulators = 8

    var out: Buffer
    var a: Float
    var b: Float
    var iterations: Int32

    /// Work-items, and work-items per group (a divisor of `workItems`, so no item is idle).
    var workItems: Int
    var groupSize: Int
    /// RECUR_PEAK_WIDTH: one of `widths`.
    var width: Int
    /// RECUR_PEAK_FUSED: fma() rather than mad() (peak.cl says why both are tried).
    var fused = false

    var arguments: [KernelArgument] {
        [.buffer(out, needs: workItems), .float(a), .float(b), .int32(iterations)]
    }
    var globalSize: [Int] { [workItems] }
    var localSize: [Int]? { [groupSize] }
    var defines: [String: String] { ["RECUR_PEAK_WIDTH": String(width), "RECUR_PEAK_FUSED": fused ? "1" : "0"] }

    /// Flops of one work-item: a multiply and an add per lane of each accumulator, per iteration.
    static func flopsPerWorkItem(width: Int, iterations: Int) -> Int {
        2 * accumulators * width * iterations
    }

    /// out[g] when a = 1 and b = 1 and every value stays below 2^24: each of the L = accumulators
    /// * width lanes starts at g + j (j = 0 ..< L) and gains 1 per iteration.
    static func expectedOutputOfOnes(workItem g: Int, width: Int, iterations: Int) -> Double {
        let lanes = Double(accumulators * width)
        return lanes * Double(g + iterations) + lanes * (lanes - 1) / 2
    }
}

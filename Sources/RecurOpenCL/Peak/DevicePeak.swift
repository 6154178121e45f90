/// An OpenCL device's measured single-precision peak: Kernels/peak.cl (nothing but independent
/// fused multiply-adds, as clpeak measures it) on every compute unit, at each vector width, the
/// best width kept. The denominator of rnn-bench's "% of peak" for the OpenCL backend: the CPU
/// backend's FMA loop (`PeakFLOPs`) says nothing about a GPU, nor about what an OpenCL CPU runtime
/// gets out of the same cores. A datasheet figure would ignore clocks, sharing and the driver.
public struct DevicePeak: Sendable, Equatable {
    /// GFLOP/s at the best width: the median of the timed runs.
    public let gflops: Double
    /// The vector width (RECUR_PEAK_WIDTH) that reached `gflops`.
    public let width: Int
    /// Whether fma() (rather than mad()) reached `gflops`.
    public let fused: Bool
    /// The median GFLOP/s of every width tried, in the order tried.
    public let byWidth: [WidthRate]
    /// The launch: work-items, work-items per group, FMA rounds per work-item (the best width's).
    public let workItems: Int
    /// Work-items per group of the best width's launch.
    public let groupSize: Int
    /// FMA rounds per work-item of the best width's launch.
    public let iterations: Int

    /// One measurement: a vector width, with fma() or mad().
    public struct WidthRate: Sendable, Equatable {
        /// The vector width (RECUR_PEAK_WIDTH).
        public let width: Int
        /// fma() when true, mad() when false.
        public let fused: Bool
        /// The median GFLOP/s of the timed runs.
        public let gflops: Double
    }

    /// Work-groups per compute unit: enough that a GPU has several groups resident on each unit (a
    /// group alone leaves most of an SM's warp slots idle) and a CPU device's threads share them
    /// out evenly; with 256-item groups, 16 fill an SM's 2048 threads twice.
    static let groupsPerComputeUnit = 16
    /// The largest group tried: a common best size on GPUs, and on CPU devices (whose limit runs to
    /// 8192) a larger group is only a longer loop on one core.
    static let largestGroup = 256
    /// A timed run's target length: long enough that the host clock and the launch (tens of
    /// microseconds) are noise, short enough that five widths times the repeats take about a second.
    static let targetSeconds = 0.02
    /// The values of a timed launch: the chains settle near b / (1 - a) = 1, never overflowing and
    /// never reaching denormals (which some CPUs run at a fraction of the speed).
    static let timedA: Float = 0.999_9, timedB: Float = 1e-4

    /// Measures `device` (in its process-wide context) at each of `widths` (a subset of 1, 2, 4,
    /// 8, 16), `repeats` timed runs each after a warm-up and a calibration of the iteration count.
    /// Throws `OpenCLError.invalidArgument` for `repeats` below 1 or an unknown width, and the
    /// runtime's errors (a build or launch that fails).
    public static func measure(device: Device, repeats: Int = 5, widths: [Int] = [1, 2, 4, 8, 16],
                               operations: [Bool] = [false, true]) throws(OpenCLError) -> DevicePeak {
        guard repeats >= 1 else { throw .invalidArgument("DevicePeak: repeats must be 1 or more, got \(repeats)") }
        guard !widths.isEmpty, widths.allSatisfy(FMAPeak.widths.contains) else {
            throw .invalidArgument("DevicePeak: widths must be among \(FMAPeak.widths), got \(widths)")
        }
        let queue = try CommandQueue(context: Context.shared(for: device))
        var best: (rate: Double, width: Int, launch: FMAPeak)?
        var rates: [WidthRate] = []
        for fused in operations {
            for width in widths {
                let (rate, launch) = try measure(width: width, fused: fused, queue: queue, repeats: repeats)
                rates.append(WidthRate(width: width, fused: fused, gflops: rate))
                if rate > best?.rate ?? -1 { best = (rate, width, launch) }
            }
        }
        guard let best else { throw .invalidArgument("DevicePeak: no width measured") }
        return DevicePeak(gflops: best.rate, width: best.width, fused: best.launch.fused, byWidth: rates, workItems: best.launch.workItems,
                          groupSize: best.launch.groupSize, iterations: Int(best.launch.iterations))
    }

    /// The launch of one width sized from the device: `groupsPerComputeUnit` groups per compute
    /// unit of the largest group the device and the compiled kernel allow (up to `largestGroup`).
    static func launch(width: Int, fused: Bool = false, iterations: Int32, queue: CommandQueue) throws(OpenCLError) -> FMAPeak {
        let device = queue.device
        let kernel = try queue.kernel(FMAPeak.kernel, defines: ["RECUR_PEAK_WIDTH": String(width), "RECUR_PEAK_FUSED": fused ? "1" : "0"])
        let groupSize = min(largestGroup, device.maxWorkGroupSize, try kernel.workGroupSize(on: device))
        guard groupSize >= 1 else {
            throw .invalidArgument("DevicePeak: \(device.name) allows no work-items per group for fma_peak")
        }
        let workItems = max(1, device.computeUnits) * groupSize * groupsPerComputeUnit
        return FMAPeak(out: try Buffer(context: queue.context, count: workItems), a: timedA, b: timedB, iterations: iterations, workItems: workItems,
                       groupSize: groupSize, width: width, fused: fused)
    }

    /// The median GFLOP/s of `repeats` runs of one width, and the launch timed.
    private static func measure(width: Int, fused: Bool, queue: CommandQueue, repeats: Int) throws(OpenCLError) -> (Double, FMAPeak) {
        var launch = try launch(width: width, fused: fused, iterations: 16, queue: queue)
        // Warm-up: POCL and some GPU drivers finish compiling a kernel at its first launch.
        _ = try seconds(launch, queue)
        // Calibration: double the rounds until a run takes 2 ms, then scale to the target.
        var elapsed = try seconds(launch, queue)
        let cap = Int32.max / 4
        while elapsed < 0.002 && launch.iterations < cap / 2 {
            launch.iterations *= 2
            elapsed = try seconds(launch, queue)
        }
        let scaled = Double(launch.iterations) * targetSeconds / max(elapsed, 1e-9)
        launch.iterations = Int32(min(Double(cap), max(Double(launch.iterations), scaled.rounded())))
        var rates: [Double] = []
        let flops = Double(launch.workItems) * Double(FMAPeak.flopsPerWorkItem(width: width, iterations: Int(launch.iterations)))
        for _ in 0..<repeats {
            rates.append(flops / max(try seconds(launch, queue), 1e-9) / 1e9)
        }
        return (rates.sorted()[rates.count / 2], launch)
    }

    /// One launch's wall time on the host clock, from enqueueing to `finish()` returning.
    private static func seconds(_ launch: FMAPeak, _ queue: CommandQueue) throws(OpenCLError) -> Double {
        let start = ContinuousClock.now
        try queue.enqueue(launch)
        try queue.finish()
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}

extension OpenCLBackend {
    /// `DevicePeak.measure` on this backend's device: the most its kernels can reach.
    public func peak(repeats: Int = 5) throws(OpenCLError) -> DevicePeak {
        try DevicePeak.measure(device: device, repeats: repeats)
    }
}

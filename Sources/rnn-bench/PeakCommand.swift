import ArgumentParser
import Foundation
import Recur
import RecurCLI
import RecurCPU
import RecurOpenCL

/// `rnn-bench peak`: what the devices can do, the denominators of "% of peak": the CPU's FMA-loop
/// peak (one thread and all), the OpenCL device's FMA-kernel peak when the OpenCL backend is
/// chosen, and on each backend a large GEMM on the RNN shapes as a share of its own device's peak.
struct PeakCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peak",
        abstract: "Measure the CPU's and the OpenCL device's FMA peaks and each backend's GEMM on the RNN shapes.")

    @Option(help: "The backends whose GEMM to time.")
    var backend: BackendChoice = .all

    @Option(help: "The OpenCL device (an index or part of a name).")
    var device: String?

    @Option(name: .customLong("repeat"), help: "Timed runs of each measurement (the median is printed).")
    var repeats: Int = 7

    @Option(name: .customLong("shape"), help: ArgumentHelp(
        "A GEMM shape to time instead of the standard ones (repeatable): MxNxK as RECUR_CPU_PROFILE=shapes prints it, C (M x N) = op(A) op(B) with K the inner size, and :At, :Bt or :AtBt for transposed operands (1024x64x3200:At).",
        valueName: "shape"))
    var shapes: [GEMMShape] = []

    func validate() throws {
        guard repeats >= 1 else { throw ValidationError("--repeat must be at least 1, got \(repeats)") }
    }

    func run() throws {
        // The loop on the threads and kernels the CPU backend runs (RECUR_CPU_THREADS, RECUR_CPU_KERNELS).
        let cpu = try Backends.cpu()
        let single = try cpu.peakGFLOPs(threads: 1, repeats: repeats)
        let all = try cpu.peakGFLOPs(repeats: repeats)
        print(String(format: "CPU FMA loop: %.1f GFLOP/s on 1 thread, %.1f on %d threads", single, all, cpu.pool.threadCount))
        let cpuPeak = try BackendPeak.cpu(cpu, repeats: repeats, measured: all)
        // Each backend's GEMMs are shares of its own device's peak: the CPU backend's of the loop
        // above, an OpenCL backend's of the FMA kernel on its device, measured before any GEMM.
        let backends = try backend.makeBackends(device: device)
        var peaks: [PeakPlausibility] = []
        for backend in backends {
            if backend is OpenCLBackend {
                let peak = try BackendPeak.measure(backend, repeats: repeats)
                print(peak.summary)
                peaks.append(peak.plausibility)
            } else {
                peaks.append(cpuPeak.plausibility)
            }
        }
        for (backend, index) in zip(backends, peaks.indices) {
            for shape in shapes.isEmpty ? GEMMShape.standard : shapes {
                let gflops = try shape.measure(on: backend, repeats: repeats)
                let name = "\(backend.name) GEMM \(shape.name)"
                let share = peaks[index].share(of: gflops, what: name)
                print(String(format: "%@: %.1f GFLOP/s (%.0f%% of %@)", name, gflops, share.percent, peaks[index].peakName))
                if let warning = share.warning { Console.error(warning) }
            }
            if peaks[index].wasRaised {
                print(String(format: "Measured again, %@: %.1f GFLOP/s (the %@ shares above from then on use it)",
                             peaks[index].peakName, peaks[index].peakGFLOPs, backend.name))
            }
        }
    }
}

/// A GEMM shape BPTT runs, timed as C = A op(B) on a backend (median after a warm-up).
struct GEMMShape: ExpressibleByArgument {
    let name: String
    let m: Int, n: Int, k: Int
    let transA: Bool, transB: Bool

    /// The recurrent step and the input projection of lstm-medium (64 x 512 -> 2048 gates over 50
    /// steps of a 64-sequence batch), and its weight gradient.
    static let standard = [
        GEMMShape(name: "recurrent step 64x2048x512", m: 64, n: 2048, k: 512, transA: false, transB: true),
        GEMMShape(name: "input projection 3200x2048x256", m: 3200, n: 2048, k: 256, transA: false, transB: true),
        GEMMShape(name: "weight gradient 2048x256x3200 (A^T)", m: 2048, n: 256, k: 3200, transA: true, transB: false),
    ]

    init(name: String, m: Int, n: Int, k: Int, transA: Bool, transB: Bool) {
        self.name = name; self.m = m; self.n = n; self.k = k; self.transA = transA; self.transB = transB
    }

    /// "MxNxK", optionally ":At", ":Bt" or ":AtBt".
    init?(argument: String) {
        let parts = argument.split(separator: ":", maxSplits: 1)
        let sizes = parts[0].split(separator: "x").compactMap { Int($0) }
        let flags = parts.count > 1 ? String(parts[1]) : ""
        guard sizes.count == 3, sizes.allSatisfy({ $0 > 0 }), ["", "At", "Bt", "AtBt"].contains(flags) else { return nil }
        let transA = flags.hasPrefix("At"), transB = flags.hasSuffix("Bt")
        let suffix = [transA ? "A^T" : nil, transB ? "B^T" : nil].compactMap { $0 }.joined(separator: " ")
        self.init(name: parts[0] + (suffix.isEmpty ? "" : " " + suffix), m: sizes[0], n: sizes[1], k: sizes[2],
                  transA: transA, transB: transB)
    }

    func measure(on backend: any Backend, repeats: Int) throws -> Double {
        var generator = SeededGenerator(seed: 3)
        func matrix(_ rows: Int, _ cols: Int) throws -> Matrix {
            try backend.tensor((0..<(rows * cols)).map { _ in generator.uniform(-1, 1) }, shape: [rows, cols]).matrix
        }
        let a = transA ? try matrix(k, m) : try matrix(m, k)
        let b = transB ? try matrix(n, k) : try matrix(k, n)
        let c = try matrix(m, n)
        let stats = try Timing.measure(warmup: 2, repeats: repeats, afterEach: { _, _ in }) {
            try backend.gemm(transA: transA, transB: transB, alpha: 1, a, b, beta: 0, c)
            try backend.synchronize()
        }
        return Double(2 * m * n * k) / stats.medianSeconds / 1e9
    }
}

import Foundation
import Recur
import RecurCPU
import RecurOpenCL

/// The measured FMA peak of the device a backend runs on: the denominator of that backend's
/// "% of peak". The CPU backend's is the FMA loop on its threads and kernels (`PeakFLOPs`); the
/// OpenCL backend's is Kernels/peak.cl on its device (`DevicePeak`), since the CPU's loop says
/// nothing about a GPU, nor about what an OpenCL CPU runtime gets out of the same cores.
struct BackendPeak {
    /// What a share is "% of": "the CPU FMA peak", "the OpenCL FMA peak".
    let name: String
    /// The line that reports the measurement.
    let summary: String
    let gflops: Double
    /// Measures the same thing again (`PeakPlausibility`); 0 when that fails.
    let remeasure: () -> Double

    /// The CPU backend's peak, on all of its threads; `measured` when the caller has measured it already.
    static func cpu(_ backend: CPUBackend, repeats: Int, measured: Double? = nil) throws -> BackendPeak {
        let gflops = try measured ?? backend.peakGFLOPs(repeats: repeats)
        return BackendPeak(
            name: "the CPU FMA peak",
            summary: String(format: "CPU FMA loop: %.1f GFLOP/s on %d threads", gflops, backend.pool.threadCount),
            gflops: gflops) { (try? backend.peakGFLOPs(repeats: repeats)) ?? 0 }
    }

    /// The OpenCL backend's peak: every vector width, the best kept; measured again at that width only.
    static func openCL(_ backend: OpenCLBackend, repeats: Int) throws -> BackendPeak {
        let peak = try backend.peak(repeats: repeats)
        let device = backend.device
        return BackendPeak(
            name: "the OpenCL FMA peak",
            summary: String(format: "OpenCL FMA kernel on %@: %.1f GFLOP/s (vector width %d, %@)", device.name, peak.gflops, peak.width,
                            peak.fused ? "fma" : "mad"),
            gflops: peak.gflops) {
                (try? DevicePeak.measure(device: device, repeats: repeats, widths: [peak.width], operations: [peak.fused]).gflops) ?? 0
            }
    }

    /// The peak of `backend`'s own device. Throws `RecurError.invalidValue` for a backend with no
    /// peak measurement.
    static func measure(_ backend: any Backend, repeats: Int) throws -> BackendPeak {
        switch backend {
        case let cpu as CPUBackend: return try self.cpu(cpu, repeats: repeats)
        case let openCL as OpenCLBackend: return try self.openCL(openCL, repeats: repeats)
        default: throw RecurError.invalidValue("rnn-bench has no peak measurement for the \(backend.name) backend")
        }
    }

    /// The plausibility check of shares of this peak.
    var plausibility: PeakPlausibility {
        PeakPlausibility(peakGFLOPs: gflops, peakName: name, remeasure: remeasure)
    }
}

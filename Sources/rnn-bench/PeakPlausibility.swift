import Foundation

/// "% of peak" figures checked against what is possible: the FMA loop (on the CPU) and the FMA
/// kernel (on an OpenCL device) do nothing but FMAs, so no GEMM on the same device beats them. A
/// GEMM above 100% means the peak was measured in a slow moment (another job took the cores for
/// part of the loop; one run printed 208%), so the peak is measured again, and when the figure
/// still exceeds it the output says so instead of printing an impossible share as if it were a
/// result. One check per device: each backend's GEMMs are shares of its own device's peak.
struct PeakPlausibility {
    /// The highest peak measured so far: a disturbed measurement reads low, never high.
    private(set) var peakGFLOPs: Double
    /// What the shares are "% of": "the CPU FMA peak", "the OpenCL FMA peak".
    let peakName: String
    /// Measures the peak again (`BackendPeak.remeasure` in the tool, a stub in tests).
    private let remeasure: () -> Double
    /// Whether the peak has been measured again (and was higher): the output says so.
    var wasRaised: Bool { remeasured && peakGFLOPs > firstGFLOPs }
    private let firstGFLOPs: Double
    /// Whether the peak has been measured again already: once is enough to tell a slow moment from
    /// a machine that stays busy, and each measurement takes seconds.
    private var remeasured = false

    init(peakGFLOPs: Double, peakName: String, remeasure: @escaping () -> Double) {
        self.peakGFLOPs = peakGFLOPs
        self.peakName = peakName
        firstGFLOPs = peakGFLOPs
        self.remeasure = remeasure
    }

    /// `gflops` as a percentage of the peak, the peak measured again first when `gflops` exceeds
    /// it; with a warning (for stderr) when it still does.
    mutating func share(of gflops: Double, what: String) -> (percent: Double, warning: String?) {
        if gflops > peakGFLOPs && !remeasured {
            remeasured = true
            peakGFLOPs = max(peakGFLOPs, remeasure())
        }
        let percent = 100 * gflops / peakGFLOPs
        guard percent > 100 else { return (percent, nil) }
        let warning = String(
            format: "warning: %@ ran at %.0f%% of %@ (%.1f GFLOP/s, the higher of two measurements), which no "
                + "GEMM can: the peak measurement was likely disturbed by other load on the machine; rerun on a quiet one",
            what, percent, peakName, peakGFLOPs)
        return (percent, warning)
    }
}

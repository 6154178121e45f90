import Foundation
import Recur

/// Which vector kernels the CPU backend's GEMMs and FMA peak loop run.
///
/// RecurCPU itself is built for AVX2 (Package.swift), whose 8-lane kernels run on every x86-64 CPU
/// since 2013; the 512-bit kernels live in RecurAVX512, built for skylake-avx512, and run only where
/// the CPU reports AVX-512 (F, CD, BW, DQ and VL, the skylake-avx512 set). On an AVX-512 Xeon they
/// double the FMA width: a 16-lane FMA loop measured 134 GFLOP/s on one core against 60 for 8 lanes.
public enum CPUKernels: String, Sendable, CaseIterable {
    /// 8-lane (256-bit) kernels: AVX2 and FMA on x86-64.
    case avx2
    /// 16-lane (512-bit) kernels for the big GEMMs and the time loop's recurrent products; the
    /// 8-lane kernels still finish the edges.
    case avx512

    /// The widest kernels this CPU runs: the default of `CPUBackendOptions` and `CPUGemm.sgemm`.
    /// A backend runs others when asked (`CPUBackendOptions.kernels`; `avx2` to compare the two,
    /// or to rule the 512-bit kernels out: RECUR_CPU_KERNELS in the command lines).
    public static let best: CPUKernels = supported.last ?? .avx2

    /// Every kind of kernel this CPU can run, narrowest first.
    public static let supported: [CPUKernels] = cpuHasAVX512 ? [.avx2, .avx512] : [.avx2]

    /// Reads the CPU flags the kernel reports (Linux clears the AVX-512 flags when the OS does not
    /// save the 512-bit registers, so a flag present means usable). Only Linux builds RecurAVX512
    /// for AVX-512.
    private static let cpuHasAVX512: Bool = {
        #if os(Linux) && arch(x86_64)
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return false }
        let flags = Set(line.split(separator: " ").map(String.init))
        return ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains)
        #else
        return false
        #endif
    }()
}
